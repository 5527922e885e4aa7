package web_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var updateScreenshot = flag.Bool("update-screenshot", false, "rewrite docs/screenshot.png (the README's) from the browser")

// readmeScreenshot is docs/screenshot.png of the repository, from this
// package's directory.
var readmeScreenshot = filepath.Join("..", "..", "..", "..", "docs", "screenshot.png")

// TestScreenshot renders the README's screenshot: alice in Sales'
// Settings > Team with the workspace selector open. It runs only when
// asked:
//
//	go test ./examples/server/internal/web -run TestScreenshot -update-screenshot
//
// The clock is fixed so that the dates on the page, and so the image, do
// not change from one run to the next.
func TestScreenshot(t *testing.T) {
	if !*updateScreenshot {
		t.Skip("writes docs/screenshot.png only with -update-screenshot")
	}
	at := time.Date(2026, time.March, 2, 9, 30, 0, 0, time.UTC)
	s := newSiteWith(t, func() time.Time { return at })
	b := newBrowser(t, s.srv.URL)
	b.open("/login")
	b.submit("#login-alice")
	b.open(s.path("Sales", "settings/team"))
	b.do(chromedpType("#invite-email", "erin@example.com"), chromedpSelect("#invite-role", "viewer"))
	b.submit("#invite-submit")
	b.open(s.path("Sales", "settings/team")) // the pending invitation, without the one-time link
	b.do(chromedpClick("#workspace-current"))
	b.text("#workspace-list") // waits until the selector shows
	png := b.shot("readme")
	if err := os.MkdirAll(filepath.Dir(readmeScreenshot), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(readmeScreenshot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", readmeScreenshot, len(png))
}
