package recipes

import (
	"strconv"
	"strings"
)

// keyPositions maps each key path of a TOML document to where its key is
// written: "target.family", "step[2].action", "step[2]" for the header of
// the third [[step]]. BurntSushi/toml keeps key positions to itself, so this
// reads the (already syntax-checked) text again, line by line, knowing just
// enough TOML: table and array-of-table headers, key = value lines with bare,
// quoted or dotted keys, comments, and multi-line strings and arrays.
type position struct{ line, col int }

func keyPositions(text string) map[string]position {
	pos := map[string]position{}
	arrays := map[string]int{} // array-of-tables name -> count so far
	table := ""
	inString := "" // the closing delimiter of an open multi-line string
	depth := 0     // open brackets of a multi-line array or inline table
	for i, raw := range strings.Split(text, "\n") {
		lineNo := i + 1
		line := raw
		if inString != "" {
			if idx := strings.Index(line, inString); idx >= 0 {
				line = line[idx+len(inString):]
				inString = ""
			} else {
				continue
			}
		}
		if depth > 0 {
			depth += bracketBalance(line)
			continue
		}
		trimmed := strings.TrimSpace(stripComment(line))
		if trimmed == "" {
			continue
		}
		col := strings.Index(line, trimmed) + 1
		switch {
		case strings.HasPrefix(trimmed, "[["):
			name := normKey(strings.TrimSuffix(strings.TrimPrefix(trimmed, "[["), "]]"))
			n := arrays[name]
			arrays[name] = n + 1
			table = name + "[" + strconv.Itoa(n) + "]"
			pos[table] = position{lineNo, col}
		case strings.HasPrefix(trimmed, "["):
			table = normKey(strings.TrimSuffix(strings.TrimPrefix(trimmed, "["), "]"))
			pos[table] = position{lineNo, col}
		default:
			key, value, ok := cutKey(trimmed)
			if !ok {
				continue
			}
			path := key
			if table != "" {
				path = table + "." + key
			}
			if _, seen := pos[path]; !seen {
				pos[path] = position{lineNo, col}
			}
			value = strings.TrimSpace(value)
			for _, d := range []string{`"""`, `'''`} {
				if strings.HasPrefix(value, d) && !strings.Contains(value[3:], d) {
					inString = d
				}
			}
			if inString == "" {
				depth = bracketBalance(value)
			}
		}
	}
	return pos
}

// cutKey splits "key = value", honouring quotes in the key.
func cutKey(s string) (key, value string, ok bool) {
	inQuote := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQuote != 0:
			if c == inQuote {
				inQuote = 0
			}
		case c == '"' || c == '\'':
			inQuote = c
		case c == '=':
			return normKey(s[:i]), s[i+1:], true
		}
	}
	return "", "", false
}

// normKey trims spaces and quotes from each part of a dotted key.
func normKey(k string) string {
	parts := strings.Split(strings.TrimSpace(k), ".")
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), `"'`)
	}
	return strings.Join(parts, ".")
}

// stripComment drops a # comment that is not inside a string.
func stripComment(s string) string {
	inQuote := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQuote != 0:
			if c == '\\' && inQuote == '"' {
				i++
			} else if c == inQuote {
				inQuote = 0
			}
		case c == '"' || c == '\'':
			inQuote = c
		case c == '#':
			return s[:i]
		}
	}
	return s
}

// bracketBalance counts [ and { minus ] and } outside strings and comments.
func bracketBalance(s string) int {
	s = stripComment(s)
	n := 0
	inQuote := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQuote != 0:
			if c == '\\' && inQuote == '"' {
				i++
			} else if c == inQuote {
				inQuote = 0
			}
		case c == '"' || c == '\'':
			inQuote = c
		case c == '[' || c == '{':
			n++
		case c == ']' || c == '}':
			n--
		}
	}
	return n
}
