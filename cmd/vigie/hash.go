package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/vigie-platform/vigie/contenthash"
	"github.com/vigie-platform/vigie/hashindex"
	"github.com/vigie-platform/vigie/pdq"
)

const hashUsage = `Usage: vigie hash pdq|exact|match [flags] …

  pdq [--dihedral] FILE...        prints HASH QUALITY FILE per image (PDQ, 64 hex
                                  digits; quality 0–100, under 50 says little);
                                  --dihedral prints the 8 hashes instead of one, in
                                  the order original, rotate90, rotate180,
                                  rotate270, flipx, flipy, flipplus1, flipminus1
  exact FILE...                   prints MD5 SHA1 SHA256 FILE per file
  match --hashes FILE [--distance D]
                                  reads PDQ hashes on standard input, one per
                                  line, and prints QUERY HIT DISTANCE for each
                                  hash of FILE within distance D (default 31)`

func runHash(ctx context.Context, e env, args []string) error {
	if done, err := subcommandHelp(e, "hash", args, hashUsage); done {
		return err
	}
	switch args[0] {
	case "pdq":
		return runHashPDQ(ctx, e, args[1:])
	case "exact":
		return runHashExact(ctx, e, args[1:])
	case "match":
		return runHashMatch(ctx, e, args[1:])
	}
	return fmt.Errorf("hash: unknown subcommand %q (pdq, exact, match)", args[0])
}

// parseFlagsAndFiles is parseFlags for commands that take files after
// their flags.
func parseFlagsAndFiles(fs *flag.FlagSet, e env, args []string) ([]string, error) {
	if err := parseFlags(fs, e, nil); err != nil { // the environment only
		return nil, err
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() == 0 {
		return nil, fmt.Errorf("%s: name at least one file", fs.Name())
	}
	return fs.Args(), nil
}

// eachFile runs do on every file, going on past failures: each is said on
// standard error and the command fails at the end.
func eachFile(ctx context.Context, e env, name string, files []string, do func(path string) error) error {
	failed := 0
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := do(f); err != nil {
			fmt.Fprintf(e.stderr, "vigie %s: %s: %v\n", name, f, err)
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%s: %d of %d files could not be hashed", name, failed, len(files))
	}
	return nil
}

func runHashPDQ(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("hash pdq", flag.ContinueOnError)
	dihedral := fs.Bool("dihedral", false, "print the 8 hashes of the image's rotations and flips")
	maxPixels := fs.Int64("max-pixels", pdq.DefaultMaxPixels, "refuse images with more pixels than this (read from the header, before decoding)")
	ignoreOrientation := fs.Bool("ignore-orientation", false, "hash the pixels as stored, ignoring the EXIF orientation (as the reference hasher does)")
	files, err := parseFlagsAndFiles(fs, e, args)
	if err != nil {
		return err
	}
	opts := pdq.Options{MaxPixels: *maxPixels, IgnoreOrientation: *ignoreOrientation}
	out := bufio.NewWriter(e.stdout)
	defer out.Flush()
	return eachFile(ctx, e, "hash pdq", files, func(path string) error {
		if !*dihedral {
			r, err := pdq.HashFile(path, opts)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(out, "%s %d %s\n", r.Hash, r.Quality, path)
			return err
		}
		d, err := pdq.DihedralFile(path, opts)
		if err != nil {
			return err
		}
		for _, h := range d.Hashes {
			fmt.Fprintf(out, "%s ", h)
		}
		_, err = fmt.Fprintf(out, "%d %s\n", d.Quality, path)
		return err
	})
}

func runHashExact(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("hash exact", flag.ContinueOnError)
	files, err := parseFlagsAndFiles(fs, e, args)
	if err != nil {
		return err
	}
	out := bufio.NewWriter(e.stdout)
	defer out.Flush()
	return eachFile(ctx, e, "hash exact", files, func(path string) error {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		x, err := contenthash.Compute(f)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(out, "%s %s %s %s\n", x.MD5.Value, x.SHA1.Value, x.SHA256.Value, path)
		return err
	})
}

func runHashMatch(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("hash match", flag.ContinueOnError)
	hashesFile := fs.String("hashes", "", "file of PDQ hashes to match against, one per line (further columns are ignored)")
	distance := fs.Int("distance", 31, "largest Hamming distance that matches (0 to 256)")
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	if *hashesFile == "" {
		return errors.New("hash match: --hashes FILE is required")
	}
	if *distance < 0 || *distance > 256 {
		return fmt.Errorf("hash match: --distance %d is not between 0 and 256", *distance)
	}
	f, err := os.Open(*hashesFile)
	if err != nil {
		return fmt.Errorf("hash match: %w", err)
	}
	defer f.Close()
	var entries []hashindex.Entry
	seen := map[pdq.Hash]bool{}
	err = readHashLines(f, *hashesFile, func(line int, h pdq.Hash) error {
		if !seen[h] { // a list's repeats are one hit
			seen[h] = true
			entries = append(entries, hashindex.Entry{ID: int64(line), Hash: h})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("hash match: %w", err)
	}
	idx, err := hashindex.Build(entries)
	if err != nil {
		return fmt.Errorf("hash match: %w", err)
	}
	out := bufio.NewWriter(e.stdout)
	defer out.Flush()
	err = readHashLines(e.stdin, "standard input", func(_ int, q pdq.Hash) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		for _, m := range idx.Query(q, *distance) {
			if _, err := fmt.Fprintf(out, "%s %s %d\n", q, m.Hash, m.Distance); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("hash match: %w", err)
	}
	return nil
}

// readHashLines calls do with each hash of r, one per line: the first
// field (space, tab or comma separated) is the hash, the rest is ignored,
// and blank lines and lines starting with # are skipped. A line that does
// not start with a hash is an error naming it.
func readHashLines(r io.Reader, name string, do func(line int, h pdq.Hash) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		field, _, _ := strings.Cut(strings.ReplaceAll(text, ",", " "), " ")
		field, _, _ = strings.Cut(field, "\t")
		h, err := pdq.ParseHash(field)
		if err != nil {
			return fmt.Errorf("%s, line %d: %q does not start with a PDQ hash (64 hex digits)", name, line, truncate(text, 80))
		}
		if err := do(line, h); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s, after line %d: %w", name, line, err)
	}
	return nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
