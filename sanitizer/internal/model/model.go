// Package model is the sanitizer's scoring detector: a logistic regression
// over hashed word and character n-grams of normalised text (see textnorm).
// It is trained offline by sanitizer/cmd/sanitizer-train; the weights file is
// embedded in the sanitizer package.
//
// Hashing keeps the model a fixed size with no vocabulary to ship, and
// character n-grams keep it robust to misspellings, inflections and
// run-together words that defeat fixed phrases. Weights are 16-bit integers,
// so that scoring is one small-table read and one integer add per feature.
package model

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Bits is log2 of the number of hash buckets.
const Bits = 16

const buckets = 1 << Bits

// Window and Stride set the windows a long text is scored in, in words.
const (
	Window = 64
	Stride = 8
)

// Weights is a model being trained.
type Weights struct {
	Bias float32
	W    []float32 // one per bucket
}

// NewWeights returns an untrained model.
func NewWeights() *Weights { return &Weights{W: make([]float32, buckets)} }

// Model is a trained detector as shipped: weights quantised to int16.
type Model struct {
	bias  float64
	scale float64 // weight = q * scale
	q     []int16
}

// The file format: magic, bucket bits, bias, scale, then one int16 per bucket
// (weight = q * scale), all little-endian.
var magic = [8]byte{'O', 'C', 'S', 'S', 'L', 'R', '0', '2'}

const header = 8 + 4 + 4 + 4

// Parse reads a weights file written by Marshal.
func Parse(b []byte) (*Model, error) {
	if len(b) < header || [8]byte(b[:8]) != magic {
		return nil, errors.New("model: not a sanitizer weights file of this version (bad magic); retrain with make train-sanitizer")
	}
	if bits := binary.LittleEndian.Uint32(b[8:]); bits != Bits {
		return nil, fmt.Errorf("model: weights file has %d hash bits, this build expects %d; retrain with make train-sanitizer", bits, Bits)
	}
	if len(b) != header+2*buckets {
		return nil, fmt.Errorf("model: weights file is %d bytes, want %d", len(b), header+2*buckets)
	}
	m := &Model{
		bias:  float64(math.Float32frombits(binary.LittleEndian.Uint32(b[12:]))),
		scale: float64(math.Float32frombits(binary.LittleEndian.Uint32(b[16:]))),
		q:     make([]int16, buckets),
	}
	for i := range m.q {
		m.q[i] = int16(binary.LittleEndian.Uint16(b[header+2*i:]))
	}
	return m, nil
}

// Marshal writes the weights file, quantising weights to 16 bits.
func (w *Weights) Marshal() []byte {
	var peak float32
	for _, x := range w.W {
		peak = max(peak, float32(math.Abs(float64(x))))
	}
	scale := peak / math.MaxInt16
	if scale == 0 {
		scale = 1
	}
	b := make([]byte, 0, header+2*buckets)
	b = append(b, magic[:]...)
	b = binary.LittleEndian.AppendUint32(b, Bits)
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(w.Bias))
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(scale))
	for _, x := range w.W {
		b = binary.LittleEndian.AppendUint16(b, uint16(int16(math.Round(float64(x/scale)))))
	}
	return b
}

// Scratch is reusable memory for Score.
type Scratch struct {
	feats  []uint32
	starts []int32
	prefix []int32
}

// Score is the probability that normalised text is an injection.
//
// A text longer than Window words is also scored in every window of Window
// words that starts at a multiple of Stride, and in its last Window words;
// the highest score wins, so that a short injection inside a long benign
// document is not averaged away. Window sums are differences of prefix sums,
// so the cost is linear in the text whatever the number of windows.
func (m *Model) Score(text []byte, sc *Scratch) float64 {
	sc.feats, sc.starts = Features(sc.feats[:0], sc.starts[:0], text)
	feats, starts := sc.feats, sc.starts
	if len(feats) == 0 {
		return sigmoid(m.bias)
	}
	if cap(sc.prefix) < len(feats)+1 {
		sc.prefix = make([]int32, len(feats)+1)
	}
	prefix := sc.prefix[:len(feats)+1]
	acc := int32(0)
	for i, f := range feats {
		acc += int32(m.q[f])
		prefix[i+1] = acc
	}
	z := m.logit(acc, len(feats))
	if words := len(starts); words > Window {
		starts = append(starts, int32(len(feats)))
		sc.starts = starts
		for k := Window; k <= words; k += Stride {
			a, b := starts[k-Window], starts[k]
			z = max(z, m.logit(prefix[b]-prefix[a], int(b-a)))
		}
		a := starts[words-Window]
		z = max(z, m.logit(acc-prefix[a], len(feats)-int(a)))
	}
	return sigmoid(z)
}

func (m *Model) logit(sum int32, n int) float64 {
	return m.bias + float64(sum)*m.scale*Norm(n)
}

// Norm is the value of each of n features: 1/sqrt(n), damped for short texts
// so that a greeting's two or three features cannot swing the score alone.
func Norm(n int) float64 { return 1 / math.Sqrt(float64(n+shortDamping)) }

const shortDamping = 8

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// Features appends to feats the bucket of every feature of normalised text
// (each word, each pair of adjacent words, and each run of four bytes inside
// a word or across one byte around it), and to starts the index in feats of
// each word's first feature.
func Features(feats []uint32, starts []int32, text []byte) ([]uint32, []int32) {
	var prev uint32 // hash of the previous word
	first := true
	for i := 0; i < len(text); {
		if !wordByte[text[i]] {
			i++
			continue
		}
		j := i + 1
		for j < len(text) && wordByte[text[j]] {
			j++
		}
		starts = append(starts, int32(len(feats)))
		w := hashWord(text[i:j])
		feats = append(feats, w&(buckets-1))
		if !first {
			feats = append(feats, mix(prev, w)&(buckets-1))
		}
		// Character 4-grams of the word with a byte of context on either
		// side, so that the start and end of a word are features too.
		lo, hi := max(i-1, 0), min(j+1, len(text))
		for k := lo; k+4 <= hi; k++ {
			g := binary.LittleEndian.Uint32(text[k:])
			feats = append(feats, (g*0x9E3779B1)>>(32-Bits))
		}
		prev, first = w, false
		i = j
	}
	return feats, starts
}

var wordByte = func() (t [256]bool) {
	for c := range t {
		t[c] = c >= 0x80 || c == '\'' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z'
	}
	return t
}()

// hashWord is FNV-1a, enough to spread words over the buckets.
func hashWord(s []byte) uint32 {
	h := uint32(2166136261) ^ 0x9E3779B9
	for _, c := range s {
		h ^= uint32(c)
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
