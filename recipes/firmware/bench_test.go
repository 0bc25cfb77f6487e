package firmware

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

const benchImageSize = 2 << 20

func benchImage() *Image {
	data := make([]byte, benchImageSize)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	return newImage(FormatBin, []Segment{{0x08000000, data}}, u32(0x08000101), nil)
}

// benchParse reports input MB/s (SetBytes is the file size), image MB/s, and
// bytes allocated per parse relative to the image size (a bound on the extra
// memory a parse needs on top of the file it was given).
func benchParse(b *testing.B, name string, file []byte) {
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for b.Loop() {
		img, err := Parse(name, file, Options{})
		if err != nil || img.Size != benchImageSize {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	perOp := float64(after.TotalAlloc-before.TotalAlloc) / float64(b.N)
	b.ReportMetric(perOp/benchImageSize, "alloc/image")
	b.ReportMetric(float64(benchImageSize)*float64(b.N)/b.Elapsed().Seconds()/1e6, "image-MB/s")
	b.ReportMetric(float64(len(file))/benchImageSize, "file/image")
}

func BenchmarkParseHex2MiB(b *testing.B) {
	benchParse(b, "bench.hex", EncodeHex(benchImage()))
}

func BenchmarkParseUF2_2MiB(b *testing.B) {
	file, err := EncodeUF2(benchImage(), rp2040, 256)
	if err != nil {
		b.Fatal(err)
	}
	benchParse(b, "bench.uf2", file)
}

// BenchmarkLoadHex2MiB measures Load, which streams HEX from the file: its
// allocations are all the memory it needs, the file is never held whole.
func BenchmarkLoadHex2MiB(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.hex")
	if err := os.WriteFile(path, EncodeHex(benchImage()), 0o644); err != nil {
		b.Fatal(err)
	}
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Load(path, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/benchImageSize, "alloc/image")
}
