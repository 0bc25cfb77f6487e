package web

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/flashstation/flashstation/station"
)

// fixtureShape is a fixture's rows and columns.
type fixtureShape struct{ rows, cols int }

// tileMeasure is what the layout test reads of one tile.
type tileMeasure struct {
	Slot     string  `json:"slot"`
	Row, Col int     // drawn: rank of its top and left among all tiles
	W        float64 `json:"w"`
	H        float64 `json:"h"`
	State    float64 `json:"state"`  // state word font size, px
	Detail   float64 `json:"detail"` // UID / reason / step font size, px
	Problems []string
}

const measureTiles = `(() => {
  const els = [...document.querySelectorAll(".tile")];
  const rects = els.map(el => el.getBoundingClientRect());
  const tops = [...new Set(rects.map(r => Math.round(r.top)))].sort((a, b) => a - b);
  const lefts = [...new Set(rects.map(r => Math.round(r.left)))].sort((a, b) => a - b);
  const de = document.documentElement;
  const page = de.scrollHeight > innerHeight || de.scrollWidth > innerWidth ? ["page scrolls"] : [];
  return els.map((el, i) => {
    const r = rects[i];
    const problems = [...page];
    if (r.left < 0 || r.top < 0 || r.right > innerWidth + 0.5 || r.bottom > innerHeight + 0.5) problems.push("off screen");
    for (const sel of [".name", ".state", ".uid", ".reason", ".step"]) {
      const n = el.querySelector(sel);
      if (n.hidden || getComputedStyle(n).display === "none") continue;
      const nr = n.getBoundingClientRect();
      if (nr.right > r.right + 0.5 || nr.bottom > r.bottom + 0.5) problems.push(sel + " outside the tile");
      if ((sel === ".name" || sel === ".state") && n.scrollWidth > n.clientWidth + 1) problems.push(sel + " cut off");
    }
    const detail = [".uid", ".reason", ".step"].map(s => el.querySelector(s)).find(n => !n.hidden && getComputedStyle(n).display !== "none");
    return {slot: el.dataset.slot, Row: tops.indexOf(Math.round(r.top)) + 1, Col: lefts.indexOf(Math.round(r.left)) + 1,
      w: r.width, h: r.height, state: parseFloat(getComputedStyle(el.querySelector(".state")).fontSize),
      detail: detail ? parseFloat(getComputedStyle(detail).fontSize) : 0, Problems: problems};
  });
})()`

// TestFixtureLayoutEveryScreen: at 8, 16, 24 and 48 slots (48 both as 6x8
// and as a tall 12x4 fixture) on a 1280x800 kiosk, a 1920x1080 monitor
// and a 3840x2160 screen, every tile is drawn at its fixture row and
// column, whole on screen, its name and state word uncut; and the text is
// sized to the tile: never below a size readable across the room, and
// larger on a larger screen.
func TestFixtureLayoutEveryScreen(t *testing.T) {
	shapes := []fixtureShape{{2, 4}, {4, 4}, {3, 8}, {6, 8}, {12, 4}}
	screens := [][2]int{{1280, 800}, {1920, 1080}, {3840, 2160}}
	// Smallest state word and detail text per shape and screen.
	minState := map[fixtureShape][]float64{}
	minDetail := map[fixtureShape][]float64{}
	for _, sc := range screens {
		ctx := browserSized(t, sc[0], sc[1])
		p := &pageT{t: t, ctx: ctx}
		for _, sh := range shapes {
			n := sh.rows * sh.cols
			slots := slotsOf(n, sh.cols)
			for i := range slots {
				s := &slots[i]
				switch i % 7 {
				case 1:
					s.State, s.Step, s.StepIndex, s.Progress, s.UnitUID = station.StateRunning, "program", 3, 0.6, "0x1F2E3D4C5B6A7988"
				case 2:
					s.State, s.UnitUID = station.StatePass, "68135F8849160A6851290089"
				case 3:
					s.State, s.UnitUID = station.StateFail, "0x1F2E3D4C5B6A7988"
					s.Reason = "step 4 (verify): verify failed at 0x08000010: reseat the board and try again"
				case 4:
					s.State, s.Reason = station.StateError, "probe disconnected"
				case 5:
					s.State, s.Probe = station.StateAbsent, nil
				case 6:
					s.State, s.Reason, s.UnitUID = station.StateAborted, "Aborted", "0x1F2E3D4C5B6A7988"
				}
			}
			_, srv := newFake(t, slots, nil)
			p.run(chromedp.Navigate(srv.URL))
			p.wait("the page online", fmt.Sprintf(`!document.body.classList.contains("offline") && document.querySelectorAll(".tile").length === %d`, n))
			var ms []tileMeasure
			p.eval(measureTiles, &ms)
			where := fmt.Sprintf("%d slots (%dx%d) on %dx%d", n, sh.rows, sh.cols, sc[0], sc[1])
			lowS, lowD := 1e9, 1e9
			byName := map[string]station.SlotView{}
			for _, s := range slots {
				byName[s.Name] = s
			}
			var bad []string
			for _, m := range ms {
				want := byName[m.Slot].Place
				if m.Row != want.Row || m.Col != want.Col {
					bad = append(bad, fmt.Sprintf("%s drawn at row %d col %d", m.Slot, m.Row, m.Col))
				}
				for _, pr := range m.Problems {
					bad = append(bad, m.Slot+" "+pr)
				}
				lowS = min(lowS, m.State)
				if m.Detail > 0 {
					lowD = min(lowD, m.Detail)
				}
			}
			if len(bad) > 0 {
				t.Errorf("%s: %s", where, strings.Join(bad[:min(len(bad), 8)], "; "))
			}
			t.Logf("%s: tile %.0fx%.0f px, state word %.1f px, detail %.1f px", where, ms[0].W, ms[0].H, lowS, lowD)
			// Readable across the room: a state word of 16 px or more
			// even at 48 slots on the small kiosk (a ten-letter word
			// must fit a 155 px tile), 24 px on a 1080p monitor (the
			// issue measured 11 px there); UID and reason 12 px and 15 px.
			wantS, wantD := 16.0, 12.0
			if sc[0] >= 1920 {
				wantS, wantD = 24, 15
			}
			if lowS < wantS || lowD < wantD {
				t.Errorf("%s: state word %.1f px, detail %.1f px: want at least %.0f and %.0f", where, lowS, lowD, wantS, wantD)
			}
			minState[sh] = append(minState[sh], lowS)
			minDetail[sh] = append(minDetail[sh], lowD)
			if sh == (fixtureShape{12, 4}) && sc[0] == 1920 {
				p.screenshot("fake-48-slots-12x4-1920x1080.png")
			}
		}
	}
	for _, sh := range shapes {
		s, d := minState[sh], minDetail[sh]
		for i := 1; i < len(s); i++ {
			if s[i] <= s[i-1] || d[i] <= d[i-1] {
				t.Errorf("%dx%d: the text does not grow with the screen: state word %v px, detail %v px", sh.rows, sh.cols, s, d)
				break
			}
		}
	}
}
