package web_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The browser tests drive Debian's chromium, headless, with chromedp.
// Outside CI they skip when it is missing; under CI=true they fail, so a
// CI image without it cannot pass silently (.ci/run installs it).

// chromiumPath finds the browser or skips (fails under CI=true).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome-stable", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no chromium on PATH (Debian: apt-get install chromium); the browser test needs it"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg + "; skipped outside CI")
	return ""
}

// stepTimeout bounds one step; a step waits for its selector or page, so
// it only runs out when the UI is broken (or the machine stalled).
const stepTimeout = 20 * time.Second

// tab is one browser tab with the helpers the flows use. Every helper
// fails the test on error: a flow is a script, not a library.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
	// shots numbers the screenshots of every tab of one test in order.
	shots *shots
}

type shots struct {
	dir string
	n   int
}

// viewport makes screenshots exactly 1200x800 (the window size includes
// the browser's own frame, even headless).
var viewport = chromedp.EmulateViewport(1200, 800)

// newBrowser starts headless chromium at 1200x800 and returns its first
// tab, on base (the app's URL). Screenshots go to t.ArtifactDir().
func newBrowser(t *testing.T, base string) *tab {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.WindowSize(1200, 800),
		chromedp.Flag("lang", "en-US"),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // chromium refuses to run as root with its sandbox
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	// The first run starts the browser: no timeout on it (it would stop
	// the browser when it fires), so start it with a trivial step.
	if err := chromedp.Do(ctx, viewport, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	dir := t.ArtifactDir()
	t.Logf("screenshots: %s (kept with go test -artifacts -outputdir DIR)", dir)
	b := &tab{t: t, ctx: ctx, base: base, shots: &shots{dir: dir}}
	b.onFailure()
	return b
}

// fresh is a tab in a new browser context: no cookies shared with b, as
// another person on another computer.
func (b *tab) fresh() *tab {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	// As for the browser, the tab lives as long as the context of its
	// first run: open it without a step's timeout.
	if err := chromedp.Do(ctx, viewport, chromedp.Navigate("about:blank")); err != nil {
		b.t.Fatalf("opening a tab in a new browser context: %v", err)
	}
	n := &tab{t: b.t, ctx: ctx, base: b.base, shots: b.shots}
	n.onFailure()
	return n
}

// onFailure saves what the tab showed when the test failed.
func (b *tab) onFailure() {
	b.t.Cleanup(func() {
		if !b.t.Failed() {
			return
		}
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		defer cancel()
		if loc, err := chromedp.Run(ctx, chromedp.Location()); err == nil {
			b.t.Logf("tab was at %s", loc)
		}
		if txt, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body"))); err == nil {
			b.t.Logf("it showed: %.1500s", strings.Join(strings.Fields(txt), " "))
		}
		if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
			p := filepath.Join(b.shots.dir, "failure.png")
			if os.WriteFile(p, png, 0o644) == nil {
				b.t.Logf("failure screenshot: %s", p)
			}
		}
	})
}

func (b *tab) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, stepTimeout)
}

// do runs steps that do not load a page (or that wait for it
// themselves, as Navigate does).
func (b *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// open navigates to path of the app and returns the document's status.
func (b *tab) open(path string) int64 {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.base+path))
	if err != nil {
		b.t.Fatalf("browser: open %s: %v", path, err)
	}
	return resp.Status
}

// submit clicks sel (a submit button or a link) and waits for the page it
// loads; it returns that document's status (the last of a redirect chain).
func (b *tab) submit(sel string) int64 {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("browser: click %s: %v", sel, err)
	}
	return resp.Status
}

// reload reloads the page as the browser's reload button does and returns
// the document's status.
func (b *tab) reload() int64 {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Reload())
	if err != nil {
		b.t.Fatalf("browser: reload: %v", err)
	}
	return resp.Status
}

// text is the visible text of the first element matching sel, waiting
// for it to be visible.
func (b *tab) text(sel string) string {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		b.t.Fatalf("browser: text of %s: %v", sel, err)
	}
	return strings.Join(strings.Fields(s), " ")
}

// js evaluates a boolean expression in the page.
func (b *tab) js(expr string) bool {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
	if err != nil {
		b.t.Fatalf("browser: %s: %v", expr, err)
	}
	return v
}

// present reports whether sel matches an element now (no waiting).
func (b *tab) present(sel string) bool {
	b.t.Helper()
	return b.js(fmt.Sprintf("document.querySelector(%q) !== null", sel))
}

// attr is an attribute of the first element matching sel.
func (b *tab) attr(sel, name string) string {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
	if err != nil {
		b.t.Fatalf("browser: %s[%s]: %v", sel, name, err)
	}
	if !v.Exists {
		b.t.Fatalf("browser: %s has no %s", sel, name)
	}
	return v.Value
}

// shot saves the viewport as NN-name.png in the test's artifact directory.
func (b *tab) shot(name string) []byte {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("browser: screenshot %s: %v", name, err)
	}
	b.shots.n++
	if err := os.WriteFile(filepath.Join(b.shots.dir, fmt.Sprintf("%02d-%s.png", b.shots.n, name)), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	return png
}
