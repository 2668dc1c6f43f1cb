package utf16sniff

import (
	"testing"

	"golang.org/x/text/encoding/unicode"
)

func TestByZeros(t *testing.T) {
	le := []byte{'h', 0, 'i', 0, ' ', 0, 't', 0}
	be := []byte{0, 'h', 0, 'i', 0, ' ', 0, 't'}
	for _, c := range []struct {
		name string
		in   []byte
		want any
	}{
		{"little-endian", le, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)},
		{"big-endian", be, unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)},
		{"ASCII", []byte("plain text, no zeros"), nil},
		{"one byte", []byte{0}, nil},
		{"a fifth zero is not enough", []byte{'a', 'b', 'c', 'd', 0}, nil},
	} {
		got := ByZeros(c.in)
		if (got == nil) != (c.want == nil) || got != nil && got != c.want {
			t.Errorf("%s: ByZeros = %v, want %v", c.name, got, c.want)
		}
	}
	text, err := ByZeros(le).NewDecoder().Bytes(le)
	if err != nil || string(text) != "hi t" {
		t.Errorf("decoded %q, %v; want %q", text, err, "hi t")
	}
}
