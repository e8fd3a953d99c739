// Command vigie runs the Vigie reporting platform and its administration
// commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"sort"
	"strings"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "vigie:", err)
		os.Exit(1)
	}
}

// env carries what a command may touch of the outside world.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

type command struct {
	summary string
	run     func(ctx context.Context, e env, args []string) error
}

func commands() map[string]command {
	return map[string]command{
		"serve":      {"run the portal, the workspace, the API and the operations endpoints", runServe},
		"migrate":    {"apply the database migrations and exit", runMigrate},
		"token":      {"manage API tokens (create, list, revoke)", runToken},
		"user":       {"manage workspace accounts (add, list, disable)", runUser},
		"route":      {"explain where the routing rules send a case", runRoute},
		"purge":      {"remove the personal data of reports past their category's retention", runPurge},
		"bench":      {"measure intake throughput and latency (see BENCHMARKS.md)", runBench},
		"version":    {"print the version", runVersion},
		"audit":      {"verify the audit trail against signed checkpoints, prove entries, witness (Merkle tree)", runAudit},
		"demo":       {"fill the store with realistic synthetic reports", runDemo},
		"correlate":  {"rebuild the cross-referencing index, or show its top values", runCorrelate},
		"keys":       {"encryption at rest: make a master key, show or rotate the keys", runKeys},
		"indicators": {"extract or normalise identifiers (URLs, IBANs, phones…) from standard input", runIndicators},
		"hash":       {"hash images (PDQ) and files (MD5, SHA-1, SHA-256), match PDQ hashes", runHash},
		"bank":       {"hash lists of known content: list, import, export, enable, disable, withdraw", runBank},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: vigie COMMAND [flags]\n\nCommands:")
	cmds := commands()
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-11s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'vigie COMMAND --help' for a command's flags. Every flag can also be set by an environment variable VIGIE_<FLAG>.")
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	e := env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	if len(args) == 0 {
		usage(stderr)
		return errors.New("no command given")
	}
	switch args[0] {
	case "-h", "--help", "help":
		usage(stdout)
		return nil
	}
	cmd, ok := commands()[args[0]]
	if !ok {
		usage(stderr)
		return fmt.Errorf("unknown command %q", args[0])
	}
	return cmd.run(ctx, e, args[1:])
}

// parseFlags parses args after filling each flag from its environment
// variable (VIGIE_ plus the flag name in upper case, dashes as
// underscores); the command line wins over the environment.
func parseFlags(fs *flag.FlagSet, e env, args []string) error {
	fs.SetOutput(e.stderr)
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := envName(f.Name)
		f.Usage += " (env " + name + ")"
		if v := e.getenv(name); v != "" && envErr == nil {
			if err := fs.Set(f.Name, v); err != nil {
				envErr = fmt.Errorf("%s=%q: %w", name, v, err)
			}
		}
	})
	if envErr != nil {
		return envErr
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}

// subcommandHelp prints usage for a command with subcommands when it is
// asked for, or when no subcommand is given (then it is an error).
func subcommandHelp(e env, name string, args []string, usage string) (done bool, err error) {
	if len(args) > 0 && args[0] != "-h" && args[0] != "--help" {
		return false, nil
	}
	fmt.Fprintln(e.stdout, usage)
	if len(args) == 0 {
		return true, fmt.Errorf("%s: no subcommand given", name)
	}
	return true, nil
}

// storeSubcommand runs a subcommand on the flag set fs, which holds the
// store flags sf; args are the subcommand's own.
type storeSubcommand func(ctx context.Context, e env, fs *flag.FlagSet, sf *storeFlags, args []string) error

// runSubcommand runs the subcommand of command name that args start with;
// known lists them for the error that an unknown one gets.
func runSubcommand(ctx context.Context, e env, name, usage, known string, subs map[string]storeSubcommand, args []string) error {
	if done, err := subcommandHelp(e, name, args, usage); done {
		return err
	}
	run, ok := subs[args[0]]
	if !ok {
		return fmt.Errorf("%s: unknown subcommand %q (%s)", name, args[0], known)
	}
	fs, sf := storeFlagSet(name + " " + args[0])
	return run(ctx, e, fs, sf, args[1:])
}

func envName(flagName string) string {
	return "VIGIE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func runVersion(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "vigie %s (%s)\n", version, runtime.Version())
	return nil
}
