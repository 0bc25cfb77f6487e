package web

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The kiosk's screen.
const kioskW, kioskH = 1280, 800

// chromium finds Debian's Chromium. Without it the browser tests skip
// loudly, or fail when FLASHSTATION_REQUIRE_CHROMIUM=1 (CI sets it) so a
// broken CI image cannot pass by skipping them.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("FLASHSTATION_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "Chromium not found: the operator page is NOT tested in a browser (install it: apt-get install -y chromium)"
	if os.Getenv("FLASHSTATION_REQUIRE_CHROMIUM") == "1" {
		t.Fatal(msg)
	}
	t.Skip("SKIPPED: " + msg)
	return ""
}

// browser starts a headless Chromium with a fresh profile, sized like the
// kiosk, and returns a tab's context. It may only load 127.0.0.1: every
// other host name resolves to nothing, and the background services that
// phone home are off.
func browser(t *testing.T) context.Context {
	t.Helper()
	return browserSized(t, kioskW, kioskH)
}

// browserSized is browser with a screen of w x h CSS pixels.
func browserSized(t *testing.T, w, h int) context.Context {
	t.Helper()
	// Not t.TempDir: Chromium's helpers may still be writing the profile
	// as the test ends, and a failed removal would fail the test.
	profile, err := os.MkdirTemp("", "flashstation-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(profile) })
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless,
		chromedp.NoSandbox, // the tests run as root in CI containers
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(w, h),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	tctx, tcancel := chromedp.NewContext(actx, chromedp.WithErrorf(func(string, ...any) {}))
	t.Cleanup(tcancel)
	if err := chromedp.Run(tctx, chromedp.EmulateViewport(int64(w), int64(h))); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return tctx
}

// tile is what one slot's tile shows, read from the DOM.
type tile struct {
	Slot   string `json:"slot"`
	State  string `json:"state"` // data-state: drives the colour
	Label  string `json:"label"` // the word and icon beside the name
	Step   string `json:"step"`
	Bar    string `json:"bar"` // progress bar width, "" when hidden
	UID    string `json:"uid"`
	Reason string `json:"reason"`
}

const readTiles = `[...document.querySelectorAll('.tile')].map(el => {
  const vis = sel => { const n = el.querySelector(sel); return n.hidden ? "" : n.textContent; };
  const bar = el.querySelector('.bar');
  return {slot: el.dataset.slot, state: el.dataset.state || "", label: vis('.state'),
    step: vis('.step'), bar: bar.hidden ? "" : bar.firstChild.style.width, uid: vis('.uid'), reason: vis('.reason')};
})`

// pageT is a test's browser tab.
type pageT struct {
	t   *testing.T
	ctx context.Context
}

func (p *pageT) run(actions ...chromedp.Action) {
	p.t.Helper()
	if err := chromedp.Run(p.ctx, actions...); err != nil {
		p.t.Fatalf("browser: %v", err)
	}
}

// eval runs a JavaScript expression and decodes its value into out.
func (p *pageT) eval(expr string, out any) {
	p.t.Helper()
	if err := chromedp.Run(p.ctx, chromedp.Evaluate(expr, out)); err != nil {
		p.t.Fatalf("evaluating %s: %v", strings.SplitN(expr, "\n", 2)[0], err)
	}
}

func (p *pageT) tiles() map[string]tile {
	p.t.Helper()
	var list []tile
	p.eval(readTiles, &list)
	out := map[string]tile{}
	for _, x := range list {
		out[x.Slot] = x
	}
	return out
}

// wait polls a JavaScript condition; on timeout the failure shows what
// the page said, which is what one needs to see first.
func (p *pageT) wait(what, cond string) {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var ok bool
		err := chromedp.Run(p.ctx, chromedp.Evaluate("!!("+cond+")", &ok))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) || p.ctx.Err() != nil {
			var page string
			_ = chromedp.Run(p.ctx, chromedp.Evaluate(`document.body.className + " | " + document.body.innerText`, &page))
			p.t.Fatalf("waiting for %s: gave up (last error %v); page: %q", what, err, page)
		}
		time.Sleep(40 * time.Millisecond)
	}
}

// screenshot keeps a PNG of the viewport as a test artifact: in
// $FLASHSTATION_ARTIFACTS/web, else in .artifacts/web at the module root
// (git ignores it), so CI can publish it and a person can look at it.
func (p *pageT) screenshot(name string) string {
	p.t.Helper()
	var png []byte
	p.run(chromedp.CaptureScreenshot(&png))
	dir := os.Getenv("FLASHSTATION_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(moduleRoot(p.t), ".artifacts")
	}
	dir = filepath.Join(dir, "web")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		p.t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.t.Logf("screenshot: %s", path)
	return path
}

func moduleRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return fmt.Sprint(string(b))
}
