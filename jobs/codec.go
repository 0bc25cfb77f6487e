package jobs

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"fmt"
	"io"
	"sync"
)

// Stored attempt values are JSON (readable with bbolt's own tools when the
// first byte is '{') or, when it is codecFlate, JSON compressed with
// DEFLATE at its fastest level. Log lines and timestamps repeat a lot, so a
// realistic 8-step attempt shrinks about fivefold; the benchmark
// BenchmarkBytesPerAttempt reports the figure.
//
// Values under compressMin stay plain JSON: DEFLATE's fixed cost (building
// Huffman tables, ~7 µs) buys little on them, and the small values are
// mostly the "running" records Begin writes, which Finish replaces.
const (
	codecFlate  = 0x01
	compressMin = 1024 // bytes of JSON
)

var flateWriters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, flate.BestSpeed)
	return w
}}

var flateReaders = sync.Pool{New: func() any { return flate.NewReader(nil) }}

// jsonBufs hold the JSON of one attempt while it is compressed.
var jsonBufs = sync.Pool{New: func() any { return new([]byte) }}

// encodeAttempt returns a's stored value, a new slice the caller owns.
func encodeAttempt(a *Attempt) ([]byte, error) {
	raw, err := encodeAttemptJSON(a)
	if err != nil {
		return nil, err
	}
	return compressValue(a.ID, raw)
}

// encodeAttemptJSON returns a's value uncompressed (a valid stored value
// too), a new slice the caller owns.
func encodeAttemptJSON(a *Attempt) ([]byte, error) {
	bp := jsonBufs.Get().(*[]byte)
	defer jsonBufs.Put(bp)
	raw, ok := appendAttemptJSON((*bp)[:0], a)
	*bp = raw
	if !ok {
		var err error
		if raw, err = json.Marshal(a); err != nil {
			return nil, fmt.Errorf("jobs: encode attempt %s: %w", a.ID, err)
		}
	}
	return bytes.Clone(raw), nil
}

// compressValue turns a plain JSON value into its stored form: compressed
// when long enough to gain (see compressMin), else as it is.
func compressValue(id ID, raw []byte) ([]byte, error) {
	if len(raw) < compressMin || raw[0] == codecFlate {
		return raw, nil
	}
	var buf bytes.Buffer
	buf.Grow(len(raw)/4 + 64)
	buf.WriteByte(codecFlate)
	w := flateWriters.Get().(*flate.Writer)
	defer flateWriters.Put(w)
	w.Reset(&buf)
	if _, err := w.Write(raw); err != nil {
		return nil, fmt.Errorf("jobs: compress attempt %s: %w", id, err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("jobs: compress attempt %s: %w", id, err)
	}
	return buf.Bytes(), nil
}

func decodeAttempt(id ID, v []byte) (*Attempt, error) {
	raw := v
	if len(v) > 0 && v[0] == codecFlate {
		r := flateReaders.Get().(io.ReadCloser)
		defer flateReaders.Put(r)
		if err := r.(flate.Resetter).Reset(bytes.NewReader(v[1:]), nil); err != nil {
			return nil, fmt.Errorf("jobs: attempt %s is damaged: %w", id, err)
		}
		var err error
		if raw, err = io.ReadAll(r); err != nil {
			return nil, fmt.Errorf("jobs: attempt %s is damaged: %w", id, err)
		}
	}
	a := new(Attempt)
	if err := json.Unmarshal(raw, a); err != nil {
		return nil, fmt.Errorf("jobs: attempt %s is damaged: %w", id, err)
	}
	return a, nil
}
