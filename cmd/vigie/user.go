package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/audit"
)

func runUser(ctx context.Context, e env, args []string) error {
	return runSubcommand(ctx, e, "user", "Usage: vigie user add|link|list|disable [flags]\n\n  add      create an account; prints a one-time activation link (or, with\n           --password-stdin, sets the password and prints the TOTP secret)\n  link     make a new activation link for an account not yet active (the\n           workspace never shows one, so that an administrator cannot\n           activate someone else's account)\n  list     list accounts\n  disable  disable an account and end its sessions",
		"want add, link, list or disable", map[string]storeSubcommand{"add": userAdd, "link": userLink, "list": userList, "disable": userDisable}, args)
}

func userAdd(ctx context.Context, e env, fs *flag.FlagSet, sf *storeFlags, args []string) error {
	email := fs.String("email", "", "the person's e-mail address (required)")
	roleName := fs.String("role", "", "admin, supervisor, analyst, auditor, destination or oversight (required)")
	destination := fs.String("destination", "", "for the destination role: the service's code")
	baseURL := fs.String("base-url", "http://localhost:8080", "the workspace's public address, for the activation link")
	passwordStdin := fs.Bool("password-stdin", false, "read the password from standard input and print the TOTP secret instead of a link")
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	role, err := account.ParseRole(*roleName)
	if err != nil {
		return fmt.Errorf("--role: %w", err)
	}
	var password string
	if *passwordStdin {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return errors.New("--password-stdin: no password on standard input")
		}
		password = strings.TrimRight(line, "\r\n")
		if err := account.CheckPasswordRules(password, *email); err != nil {
			return err
		}
	}
	db, _, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := account.NewService(db, account.DefaultPolicy(), nil)
	u, err := svc.AddUser(audit.WithSource(ctx, "cli"), *email, role, *destination, cliActor())
	if err != nil {
		return err
	}
	if *passwordStdin {
		secret, uri, err := svc.NewTOTPSecret(u.Email)
		if err != nil {
			return err
		}
		if err := svc.SetCredentials(ctx, u.ID, password, secret); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, secret)
		fmt.Fprintln(e.stderr, "Account ready. Add this TOTP secret to an authenticator app (shown once):\n"+uri)
		return nil
	}
	token, err := svc.StartEnrolment(ctx, u.ID)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, strings.TrimRight(*baseURL, "/")+"/w/enrol/"+token)
	fmt.Fprintf(e.stderr, "Account created. Give this one-time link to %s: it sets a password and a second factor, and expires in %s.\n", u.Email, account.DefaultPolicy().EnrolmentTTL)
	return nil
}

func userLink(ctx context.Context, e env, fs *flag.FlagSet, sf *storeFlags, args []string) error {
	email := fs.String("email", "", "the account's e-mail address (required)")
	baseURL := fs.String("base-url", "http://localhost:8080", "the workspace's public address, for the activation link")
	db, _, err := sf.parseAndOpen(ctx, e, fs, args)
	if err != nil {
		return err
	}
	defer db.Close()
	norm, err := account.NormaliseEmail(*email)
	if err != nil {
		return fmt.Errorf("--email: %w", err)
	}
	u, err := db.UserByEmail(ctx, norm)
	if errors.Is(err, account.ErrNotFound) {
		return fmt.Errorf("no account %q", *email)
	}
	if err != nil {
		return err
	}
	token, err := account.NewService(db, account.DefaultPolicy(), nil).IssueEnrolment(audit.WithSource(ctx, "cli"), u.ID, cliActor())
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, strings.TrimRight(*baseURL, "/")+"/w/enrol/"+token)
	fmt.Fprintf(e.stderr, "Give this one-time link to %s, and to nobody else: it sets a password and a second factor, and expires in %s.\n", u.Email, account.DefaultPolicy().EnrolmentTTL)
	return nil
}

func userList(ctx context.Context, e env, fs *flag.FlagSet, sf *storeFlags, args []string) error {
	db, _, err := sf.parseAndOpen(ctx, e, fs, args)
	if err != nil {
		return err
	}
	defer db.Close()
	users, err := db.ListUsers(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tROLE\tDESTINATION\tSTATE\tCREATED")
	for _, u := range users {
		state := "active"
		switch {
		case u.Disabled:
			state = "disabled"
		case !u.Enrolled():
			state = "pending"
		}
		dest := u.Destination
		if dest == "" {
			dest = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Email, u.Role, dest, state, u.CreatedAt.Format(time.RFC3339))
	}
	return tw.Flush()
}

func userDisable(ctx context.Context, e env, fs *flag.FlagSet, sf *storeFlags, args []string) error {
	email := fs.String("email", "", "the account's e-mail address (required)")
	db, _, err := sf.parseAndOpen(ctx, e, fs, args)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := account.NewService(db, account.DefaultPolicy(), nil).Disable(audit.WithSource(ctx, "cli"), *email, cliActor())
	if errors.Is(err, account.ErrNotFound) {
		return fmt.Errorf("no account %q", *email)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "Account %s disabled; its sessions are ended.\n", u.Email)
	return nil
}
