package openocd

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
)

// Version is an OpenOCD release number.
type Version struct{ Major, Minor, Patch int }

func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// Less orders versions.
func (v Version) Less(o Version) bool {
	if v.Major != o.Major {
		return v.Major < o.Major
	}
	if v.Minor != o.Minor {
		return v.Minor < o.Minor
	}
	return v.Patch < o.Patch
}

// MinVersion is the oldest OpenOCD the driver accepts: read_memory and the
// `adapter serial` command arrived in 0.12.0.
var MinVersion = Version{0, 12, 0}

// parseVersion reads the release out of `version` output, e.g.
// "Open On-Chip Debugger 0.12.0" or "Open On-Chip Debugger
// 0.12.0+dev-01234-gabcdef (2023-05-01-10:00)".
func parseVersion(s string) (Version, error) {
	const banner = "Open On-Chip Debugger "
	i := strings.Index(s, banner)
	if i < 0 {
		return Version{}, fmt.Errorf("openocd: %q is not an OpenOCD version line", firstLine(s))
	}
	rest := s[i+len(banner):]
	end := strings.IndexFunc(rest, func(r rune) bool { return r != '.' && (r < '0' || r > '9') })
	if end >= 0 {
		rest = rest[:end]
	}
	parts := strings.Split(rest, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return Version{}, fmt.Errorf("openocd: no release number in %q", firstLine(s))
	}
	var n [3]int
	for k, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return Version{}, fmt.Errorf("openocd: no release number in %q", firstLine(s))
		}
		n[k] = v
	}
	return Version{n[0], n[1], n[2]}, nil
}

// parseWords reads the Tcl list read_memory returns ("0x20036410 0xff").
func parseWords(s string, width int) ([]uint64, error) {
	var out []uint64
	for _, f := range strings.Fields(s) {
		v, err := strconv.ParseUint(f, 0, width)
		if err != nil {
			return nil, fmt.Errorf("openocd: read_memory returned %q, not %d-bit values", firstLine(s), width)
		}
		out = append(out, v)
	}
	return out, nil
}

// parseLogLine splits one OpenOCD log line into a level and the message.
// Lines without a level prefix are the user-level output (echo, the
// target's halt report) and count as info.
func parseLogLine(line string) (slog.Level, string) {
	line = strings.TrimRight(line, "\r\n")
	for _, p := range []struct {
		prefix string
		level  slog.Level
	}{
		{"Error: ", slog.LevelError}, {"Warn : ", slog.LevelWarn},
		{"Info : ", slog.LevelInfo}, {"Debug: ", slog.LevelDebug},
	} {
		if msg, ok := strings.CutPrefix(line, p.prefix); ok {
			return p.level, msg
		}
	}
	return slog.LevelInfo, line
}

// diff is one line of verify_image's binary compare.
type diff struct {
	Addr      uint32
	Got, Want byte
}

// parseDiffs reads verify_image's difference lines; capped reports OpenOCD
// stopped listing ("More than 128 errors").
func parseDiffs(s string) (diffs []diff, capped bool) {
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "More than ") {
			capped = true
			continue
		}
		var n int
		var d diff
		var got, want uint32
		if _, err := fmt.Sscanf(line, "diff %d address 0x%x. Was 0x%x instead of 0x%x", &n, &d.Addr, &got, &want); err != nil || got > 0xFF || want > 0xFF {
			continue
		}
		d.Got, d.Want = byte(got), byte(want)
		diffs = append(diffs, d)
	}
	return diffs, capped
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}
