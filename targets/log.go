package targets

import (
	"context"
	"fmt"
	"log/slog"
)

type logKey struct{}

// LogFunc receives one log line of the step in progress.
type LogFunc func(level slog.Level, msg string)

// WithLog returns a context whose Logf calls reach fn: the recipe executor
// sets it per step, so what a session says lands in that step's record.
func WithLog(ctx context.Context, fn LogFunc) context.Context {
	return context.WithValue(ctx, logKey{}, fn)
}

// Logf logs a line into the current step, if anyone listens, and to slog
// at debug level.
func Logf(ctx context.Context, level slog.Level, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if fn, ok := ctx.Value(logKey{}).(LogFunc); ok && fn != nil {
		fn(level, msg)
	}
	slog.Log(ctx, slog.LevelDebug, msg)
}
