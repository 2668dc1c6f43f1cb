// Package model is the sanitizer's scoring detector: a logistic regression
// over hashed word and character n-grams of normalised text (see textnorm).
// It is trained offline by sanitizer/cmd/sanitizer-train; the weights file is
// embedded in the sanitizer package.
//
// Hashing keeps the model a fixed size with no vocabulary to ship, and
// character n-grams keep it robust to misspellings and run-together words
// that defeat fixed phrases.
package model

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Bits is log2 of the number of hash buckets.
const Bits = 18

const buckets = 1 << Bits

// Model is a trained detector.
type Model struct {
	Bias    float32
	Weights []float32 // one per bucket
}

// The file format: magic, bucket bits, bias, scale, then one int16 per bucket
// (weight = q * scale), all little-endian.
var magic = [8]byte{'O', 'C', 'S', 'S', 'L', 'R', '0', '1'}

// Parse reads a weights file written by Marshal.
func Parse(b []byte) (*Model, error) {
	const header = 8 + 4 + 4 + 4
	if len(b) < header || [8]byte(b[:8]) != magic {
		return nil, errors.New("model: not a sanitizer weights file (bad magic)")
	}
	if bits := binary.LittleEndian.Uint32(b[8:]); bits != Bits {
		return nil, fmt.Errorf("model: weights file has %d hash bits, this build expects %d", bits, Bits)
	}
	if len(b) != header+2*buckets {
		return nil, fmt.Errorf("model: weights file is %d bytes, want %d", len(b), header+2*buckets)
	}
	m := &Model{
		Bias:    math.Float32frombits(binary.LittleEndian.Uint32(b[12:])),
		Weights: make([]float32, buckets),
	}
	scale := math.Float32frombits(binary.LittleEndian.Uint32(b[16:]))
	for i := range m.Weights {
		m.Weights[i] = float32(int16(binary.LittleEndian.Uint16(b[header+2*i:]))) * scale
	}
	return m, nil
}

// Marshal writes the weights file, quantising weights to 16 bits.
func (m *Model) Marshal() []byte {
	var peak float32
	for _, w := range m.Weights {
		peak = max(peak, float32(math.Abs(float64(w))))
	}
	scale := peak / math.MaxInt16
	if scale == 0 {
		scale = 1
	}
	b := make([]byte, 0, 20+2*buckets)
	b = append(b, magic[:]...)
	b = binary.LittleEndian.AppendUint32(b, Bits)
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(m.Bias))
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(scale))
	for _, w := range m.Weights {
		b = binary.LittleEndian.AppendUint16(b, uint16(int16(math.Round(float64(w/scale)))))
	}
	return b
}

// New returns an untrained model.
func New() *Model { return &Model{Weights: make([]float32, buckets)} }

// Score is the probability that normalised text is an injection. Long texts
// are also scored in windows and the highest score wins, so that a short
// injection inside a long benign document is not averaged away.
func (m *Model) Score(text string) float64 {
	var whole, win window
	best := math.Inf(-1)
	Features(text, func(h uint32, wordStart bool) {
		w := m.Weights[h]
		whole.add(w)
		if wordStart && win.words >= windowWords {
			best = max(best, win.logit(m.Bias))
			win = window{}
		}
		win.add(w)
		if wordStart {
			win.words++
		}
	})
	if whole.n == 0 {
		return sigmoid(float64(m.Bias))
	}
	z := whole.logit(m.Bias)
	if whole.words > windowWords {
		z = max(z, best, win.logit(m.Bias))
	}
	return sigmoid(z)
}

// windowWords is the length of the windows a long text is scored in.
const windowWords = 96

type window struct {
	sum      float64
	n, words int
}

func (w *window) add(x float32) { w.sum += float64(x); w.n++ }

func (w *window) logit(bias float32) float64 {
	if w.n == 0 {
		return math.Inf(-1)
	}
	return float64(bias) + w.sum*Norm(w.n)
}

// Norm is the value of each of n features: 1/sqrt(n), damped for short texts
// so that a greeting's two or three features cannot swing the score alone.
func Norm(n int) float64 { return 1 / math.Sqrt(float64(n+shortDamping)) }

const shortDamping = 8

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// Features calls f with the bucket of every feature of normalised text:
// each word, each pair of adjacent words, and each run of four bytes inside
// a word or across one space. wordStart marks the first feature of a word.
func Features(text string, f func(h uint32, wordStart bool)) {
	var prev uint32 // hash of the previous word, 0 at the start
	words := 0
	for i := 0; i < len(text); {
		if !wordByte(text[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(text) && wordByte(text[j]) {
			j++
		}
		w := hash(seedWord, text[i:j])
		f(w&(buckets-1), true)
		if words > 0 {
			f(mix(prev, w)&(buckets-1), false)
		}
		// Character 4-grams of the word with a space on either side, so
		// that the start and end of a word are features too.
		lo, hi := max(i-1, 0), min(j+1, len(text))
		for k := lo; k+4 <= hi; k++ {
			f(hash(seedGram, text[k:k+4])&(buckets-1), false)
		}
		prev = w
		words++
		i = j
	}
}

func wordByte(c byte) bool {
	return c >= 0x80 || c == '\'' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z'
}

const (
	seedWord = 0x9E3779B9
	seedGram = 0x85EBCA6B
)

// hash is FNV-1a with a seed, enough to spread n-grams over the buckets.
func hash(seed uint32, s string) uint32 {
	h := uint32(2166136261) ^ seed
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h ^ h>>15
}

func mix(a, b uint32) uint32 {
	h := a*0x9E3779B1 ^ b
	h ^= h >> 16
	h *= 0x85EBCA6B
	return h ^ h>>13
}
