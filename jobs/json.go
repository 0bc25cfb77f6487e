package jobs

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
)

// appendAttemptJSON appends what json.Marshal(a) would write, byte for
// byte (TestAttemptJSONMatchesMarshal), in a fifth of the time and without
// reflection: on a two-core station every write's encoding runs between
// two commits, so its CPU time is added to every writer's latency. It
// reports false for what only encoding/json should judge (a time outside
// years 0–9999 or with a sub-minute zone offset); the caller then uses
// json.Marshal and gets its error.
//
// The field order, names and omit rules follow the struct tags in
// attempt.go; a new field there needs a line here (the test fails until
// it has one).
func appendAttemptJSON(b []byte, a *Attempt) ([]byte, bool) {
	ok := true
	b = append(b, `{"id":"`...)
	b = appendHex16(b, uint64(a.ID))
	b = append(b, '"')
	b = appendOptString(b, `,"station":`, a.Station)
	b = appendOptString(b, `,"slot":`, a.Slot)
	b = appendOptString(b, `,"probe_serial":`, a.ProbeSerial)
	b = append(b, `,"recipe":`...)
	b = appendJSONString(b, a.Recipe)
	b = appendOptString(b, `,"recipe_sha256":`, a.RecipeSHA256)
	b = appendOptString(b, `,"firmware_sha256":`, a.FirmwareSHA256)
	if len(a.Images) > 0 {
		b = append(b, `,"images":[`...)
		for i, im := range a.Images {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"name":`...)
			b = appendJSONString(b, im.Name)
			b = append(b, `,"sha256":`...)
			b = appendJSONString(b, im.SHA256)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = appendOptString(b, `,"unit_uid":`, a.UnitUID)
	b = appendOptString(b, `,"device_id":`, a.DeviceID)
	b = append(b, `,"started":`...)
	b, ok = appendJSONTime(b, a.Started, ok)
	if !a.Ended.IsZero() {
		b = append(b, `,"ended":`...)
		b, ok = appendJSONTime(b, a.Ended, ok)
	}
	b = append(b, `,"result":`...)
	b = appendJSONString(b, string(a.Result))
	b = appendOptString(b, `,"failed_step":`, a.FailedStep)
	b = appendOptString(b, `,"error":`, a.Error)
	if len(a.Steps) > 0 {
		b = append(b, `,"steps":[`...)
		for i := range a.Steps {
			if i > 0 {
				b = append(b, ',')
			}
			b, ok = appendStepJSON(b, &a.Steps[i], ok)
		}
		b = append(b, ']')
	}
	if len(a.Serials) > 0 {
		b = append(b, `,"serials":[`...)
		for i, s := range a.Serials {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"series":`...)
			b = appendJSONString(b, s.Series)
			b = append(b, `,"number":`...)
			b = strconv.AppendUint(b, s.Number, 10)
			b = append(b, `,"state":`...)
			b = appendJSONString(b, s.State)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}'), ok
}

func appendStepJSON(b []byte, s *Step, ok bool) ([]byte, bool) {
	b = append(b, `{"name":`...)
	b = appendJSONString(b, s.Name)
	b = append(b, `,"result":`...)
	b = appendJSONString(b, string(s.Result))
	b = append(b, `,"started":`...)
	b, ok = appendJSONTime(b, s.Started, ok)
	b = append(b, `,"duration_ns":`...)
	b = strconv.AppendInt(b, int64(s.Duration), 10)
	if s.Tries != 0 {
		b = append(b, `,"tries":`...)
		b = strconv.AppendInt(b, int64(s.Tries), 10)
	}
	b = appendOptString(b, `,"error":`, s.Error)
	if s.Bytes != 0 {
		b = append(b, `,"bytes":`...)
		b = strconv.AppendInt(b, s.Bytes, 10)
	}
	if len(s.Log) > 0 {
		b = append(b, `,"log":[`...)
		for i, l := range s.Log {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"t":`...)
			b, ok = appendJSONTime(b, l.Time, ok)
			// slog.Level's MarshalJSON quotes its String form.
			b = append(b, `,"level":`...)
			b = appendJSONString(b, l.Level.String())
			b = append(b, `,"msg":`...)
			b = appendJSONString(b, l.Msg)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}'), ok
}

func appendOptString(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	return appendJSONString(append(b, key...), s)
}

// appendJSONTime writes t as time.Time.MarshalJSON does (RFC 3339 with
// nanoseconds, quoted); ok turns false where MarshalJSON would fail.
func appendJSONTime(b []byte, t time.Time, ok bool) ([]byte, bool) {
	b = append(b, '"')
	b, err := t.AppendText(b)
	if err != nil {
		return b, false
	}
	return append(b, '"'), ok
}

const hexDigits = "0123456789abcdef"

func appendHex16(b []byte, v uint64) []byte {
	for shift := 60; shift >= 0; shift -= 4 {
		b = append(b, hexDigits[v>>uint(shift)&0xf])
	}
	return b
}

// appendJSONString quotes s as encoding/json does: HTML characters and
// control characters escaped, invalid UTF-8 replaced. Plain printable
// ASCII, nearly every string an attempt holds, takes the fast path.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
