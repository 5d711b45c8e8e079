package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"time"

	"github.com/wbinstrument/wbinstrument/internal/view"
)

// defaultViewPort is tried first; when it is taken, any free port is used.
const defaultViewPort = 6006

// viewServe is the part of runView after the flags; tests stop it by
// cancelling ctx and learn the URL through ready.
func viewServe(ctx context.Context, arg string, port int, open bool, stdout, stderr io.Writer, ready func(url string)) int {
	view.ReadProgress = func(read, size int64) {
		fmt.Fprintf(stderr, "wbinstrument view: reading the run's log: %d of %d MiB\n", read>>20, size>>20)
	}
	srv, err := view.New(arg)
	if srv.Snapshot() == nil {
		if _, rerr := view.ResolveRunDir(arg); rerr != nil {
			// Nothing to show and nothing that could appear: say so.
			fmt.Fprintln(stderr, "wbinstrument view:", rerr)
			return 1
		}
		fmt.Fprintf(stderr, "wbinstrument view: %v\nwbinstrument view: serving anyway; the page shows the error and retries in live mode\n", err)
	} else if snap := srv.Snapshot(); snap.Corrupt != nil {
		fmt.Fprintf(stderr, "wbinstrument view: warning: %v; showing the %d calls before it\n", snap.Corrupt, len(snap.Calls))
	}
	ln, err := listen(port)
	if err != nil {
		fmt.Fprintln(stderr, "wbinstrument view:", err)
		return 1
	}
	url := "http://" + ln.Addr().String() + "/"
	if snap := srv.Snapshot(); snap != nil {
		fmt.Fprintf(stdout, "Viewing %s (%d calls, read in %v)\n", snap.RunDir, len(snap.Calls), snap.LoadTime.Round(time.Millisecond))
	}
	fmt.Fprintf(stdout, "Serving on %s  (Ctrl-C to stop)\n", url)
	if open {
		openBrowser(url, stderr)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	if ready != nil {
		ready(url)
	}
	select {
	case err := <-errc:
		fmt.Fprintln(stderr, "wbinstrument view:", err)
		return 1
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
		return 0
	}
}

// listen binds 127.0.0.1 only: the page shows private prompts. Port 0
// means any free port; the default port falls back to a free one.
func listen(port int) (net.Listener, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err == nil || port != defaultViewPort {
		if err != nil {
			return nil, fmt.Errorf("listening on 127.0.0.1:%d: %v (use -port 0 for any free port)", port, err)
		}
		return ln, nil
	}
	return net.Listen("tcp", "127.0.0.1:0")
}

// openBrowser starts the desktop's browser when there is one; the URL is
// printed either way, so failing here is only a note.
func openBrowser(url string, stderr io.Writer) {
	for _, name := range []string{"xdg-open", "open", "sensible-browser"} {
		path, err := exec.LookPath(name)
		if err != nil {
			continue
		}
		cmd := exec.Command(path, url)
		if err := cmd.Start(); err != nil {
			continue
		}
		go cmd.Wait()
		return
	}
	fmt.Fprintln(stderr, "wbinstrument view: no browser opener found (xdg-open); open the URL yourself")
}

func runView(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("view", flag.ContinueOnError)
	port := fs.Int("port", defaultViewPort, "`port` on 127.0.0.1; 0 picks a free one (the default falls back to a free one when taken)")
	open := fs.Bool("open", false, "open the page in a browser, where one exists")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `usage: wbinstrument view [-port N] [-open] [RUN_DIR | WANDB_DIR | RUN.wandb]

Serves a local web page, on 127.0.0.1 only, for a run written by an
instrumented program: a trace table (sortable, filterable, paged), a trace
timeline, each call's request and response, per-model statistics and the
run's overview. It reads the run's .wandb file and table files; nothing is
uploaded. The default is ./wandb/latest-run; a wandb directory means its
latest run. A run still being written can be followed with "Live" on the page.

Examples:

	wbinstrument view
	wbinstrument view -open wandb/offline-run-20250301_120000-abcd1234
	wbinstrument view -port 0 /tmp/runs/wandb

Flags:
`)
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() > 1 {
		fmt.Fprintln(stderr, "wbinstrument view: want at most one run directory")
		fs.Usage()
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return viewServe(ctx, fs.Arg(0), *port, *open, stdout, stderr, nil)
}
