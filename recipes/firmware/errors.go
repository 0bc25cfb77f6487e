package firmware

import (
	"fmt"
	"strings"
)

// Error reports a problem in a firmware file, naming where it is: a line for
// Intel HEX, a block and byte offset for UF2, a byte offset for ELF.
//
// Line is 1-based and 0 when not known; Block and Offset are -1 when not known.
type Error struct {
	File   string
	Line   int
	Block  int
	Offset int64
	Msg    string
	Err    error // underlying cause, if any (e.g. an I/O error)
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("firmware: ")
	b.WriteString(e.File)
	switch {
	case e.Line > 0:
		fmt.Fprintf(&b, ":%d", e.Line)
	case e.Block >= 0 && e.Offset >= 0:
		fmt.Fprintf(&b, ": block %d (offset %d)", e.Block, e.Offset)
	case e.Block >= 0:
		fmt.Fprintf(&b, ": block %d", e.Block)
	case e.Offset >= 0:
		fmt.Fprintf(&b, ": offset %d", e.Offset)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// fileErr is an error about the file as a whole.
func fileErr(file, format string, args ...any) *Error {
	return &Error{File: file, Block: -1, Offset: -1, Msg: fmt.Sprintf(format, args...)}
}

// lineErr is an error on one line of a text file.
func lineErr(file string, line int, format string, args ...any) *Error {
	return &Error{File: file, Line: line, Block: -1, Offset: -1, Msg: fmt.Sprintf(format, args...)}
}

// offsetErr is an error at a byte offset of a binary file.
func offsetErr(file string, off int64, format string, args ...any) *Error {
	return &Error{File: file, Block: -1, Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// blockErr is an error in one UF2 block; block is its index in the file.
func blockErr(file string, block int, format string, args ...any) *Error {
	return &Error{File: file, Block: block, Offset: int64(block) * uf2BlockSize, Msg: fmt.Sprintf(format, args...)}
}
