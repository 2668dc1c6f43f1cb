// Package model is the sanitizer's scoring detector: a logistic regression
// over hashed words, word pairs and word stems of normalised text (see
// textnorm).
// It is trained offline by sanitizer/cmd/sanitizer-train; the weights file is
// embedded in the sanitizer package.
//
// Hashing keeps the model a fixed size with no vocabulary to ship; word pairs
// let it weigh phrasing ("ignore previous" against "ignore case") and stems
// carry what it learnt across inflections. Weights are 16-bit integers, so
// that scoring is one table read and one integer add per feature.
package model

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
)

// Bits is log2 of the number of hash buckets.
const Bits = 18

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

// Features appends to feats the bucket of every feature of normalised text,
// and to starts the index in feats of each word's first feature. The
// features of a word are the word, the pair it forms with the word before,
// and, for a word longer than stemLen, its first stemLen bytes: a crude stem
// that lets "ignoring" learn from "ignore", and "ignoriere" from both.
//
// Character n-grams across the whole text were tried and gave about one
// point of held-out TPR for three times the scoring cost (docs/BENCHMARKS.md).
func Features(feats []uint32, starts []int32, text []byte) ([]uint32, []int32) {
	// A word of n bytes and its separator make at most three features, so
	// the slices are sized once and written without appends.
	nf, nw := len(feats), len(starts)
	feats = slices.Grow(feats, 3*(len(text)+1)/2)
	feats = feats[:cap(feats)]
	starts = slices.Grow(starts, (len(text)+1)/2)
	starts = starts[:cap(starts)]
	var prev uint32 // hash of the previous word
	for i := 0; i < len(text); {
		if !wordByte[text[i]] {
			i++
			continue
		}
		j := i + 1
		for j < len(text) && wordByte[text[j]] {
			j++
		}
		starts[nw] = int32(nf)
		nw++
		head := load8(text, i, j)
		w := hashWord(head, text[i:j])
		feats[nf] = w & (buckets - 1)
		nf++
		if nw > 1 {
			feats[nf] = mix(prev, w) & (buckets - 1)
			nf++
		}
		if j-i > stemLen {
			feats[nf] = uint32(finish(head&(1<<(8*stemLen)-1)^stemSeed)) >> (32 - Bits)
			nf++
		}
		prev = w
		i = j
	}
	return feats[:nf], starts[:nw]
}

const stemLen = 5

var wordByte = func() (t [256]bool) {
	for c := range t {
		t[c] = c >= 0x80 || c == '\'' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z'
	}
	return t
}()

// load8 returns up to the first eight bytes of text[i:j] as a little-endian
// word, zero-padded: one load when the text has eight bytes left.
func load8(text []byte, i, j int) uint64 {
	n := min(j-i, 8)
	if i+8 <= len(text) {
		return binary.LittleEndian.Uint64(text[i:]) & (1<<(8*n) - 1) // a shift of 64 gives 0: all ones
	}
	var v uint64
	for k := range n {
		v |= uint64(text[i+k]) << (8 * k)
	}
	return v
}

// hashWord hashes a word eight bytes at a time; head is its first eight.
func hashWord(head uint64, word []byte) uint32 {
	h := finish(head ^ uint64(len(word))<<59)
	for k := 8; k < len(word); k += 8 {
		h = finish(h ^ load8(word, k, len(word)))
	}
	return uint32(h)
}

const stemSeed = 0x9E3779B97F4A7C15

// finish is the 64-bit finaliser of MurmurHash3: every input bit affects
// every output bit.
func finish(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xFF51AFD7ED558CCD
	h ^= h >> 33
	h *= 0xC4CEB9FE1A85EC53
	return h ^ h>>33
}

func mix(a, b uint32) uint32 {
	h := a*0x9E3779B1 ^ b
	h ^= h >> 16
	h *= 0x85EBCA6B
	return h ^ h>>13
}
