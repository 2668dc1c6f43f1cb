package model

import (
	"bytes"
	"slices"
)

// Topic is the vocabulary of a content text (a tool result, an email, a
// page): how often each content word occurs in it, by stem. An instruction
// slipped into content is out of place in its carrier: "Write a limerick
// about a cat" in a card-payment email, "What is the capital of Brazil?"
// under a medal table share no word with the text around them, where the
// sentences of an honest text keep coming back to its subject. OffTopic
// turns that into evidence the model weighs with the unit's words, as it
// weighs a flag rule's match.
//
// A content word is a run of four or more letters of normalised text that
// is not a function word; its stem (first stemLen bytes) is what is
// compared, so "payment" and "payments" are one word.
type Topic struct {
	keys   []uint64 // open addressing; 0 is an empty slot
	counts []int32
	words  []uint64 // the content words of the text, in order
	at     []int32  // where each starts
	unit   []uint64 // scratch: the content words of one unit
}

// Limits of OffTopic: a unit of fewer than offTopicMinWords distinct
// content words says too little to be off topic ("Best regards"), one of
// more than offTopicMaxWords is a paragraph, not a slipped-in instruction,
// and a text with fewer than offTopicMinContext content words outside the
// unit has no topic to depart from.
const (
	offTopicMinWords   = 2
	offTopicMaxWords   = 40
	offTopicMinContext = 12
	// A unit is on topic when at least 1/offTopicShare of its content
	// words occur elsewhere in the text: one common word in passing
	// ("short", "love") does not tie a sentence to its text.
	offTopicShare = 4
)

// Build reads the content words of normalised text. t is reused.
func (t *Topic) Build(text []byte) {
	t.words, t.at = t.words[:0], t.at[:0]
	eachContentWord(text, func(k uint64, at int) {
		t.words = append(t.words, k)
		t.at = append(t.at, int32(at))
	})
	size := 64
	for size < 2*len(t.words) {
		size *= 2
	}
	if cap(t.keys) < size {
		t.keys, t.counts = make([]uint64, size), make([]int32, size)
	} else {
		t.keys, t.counts = t.keys[:size], t.counts[:size]
		clear(t.keys)
		clear(t.counts)
	}
	for _, k := range t.words {
		t.counts[t.slot(k)]++
	}
}

// slot returns the slot of key k, claiming an empty one if k is new.
func (t *Topic) slot(k uint64) int {
	mask := len(t.keys) - 1
	for i := int((k*wordMul)>>40) & mask; ; i = (i + 1) & mask {
		switch t.keys[i] {
		case k:
			return i
		case 0:
			t.keys[i] = k
			return i
		}
	}
}

// count is how often key k occurs in the text Build read.
func (t *Topic) count(k uint64) int32 {
	mask := len(t.keys) - 1
	for i := int((k*wordMul)>>40) & mask; ; i = (i + 1) & mask {
		switch t.keys[i] {
		case k:
			return t.counts[i]
		case 0:
			return 0
		}
	}
}

// Place is where a unit stands in the text Build read.
type Place uint8

const (
	// PlaceUnknown: a table row, a unit of fewer than offTopicMinWords or
	// more than offTopicMaxWords content words, or a text too short to
	// have a topic.
	PlaceUnknown Place = iota
	// PlaceOnTopic: a content word of the unit occurs elsewhere in the text.
	PlaceOnTopic
	// PlaceOffTopic: none does.
	PlaceOffTopic
)

// Place tells whether the unit text[start:end] (a line or a sentence of the
// normalised text Build read) shares its content words with the rest of the
// text. A table row
// has no place: its cells are data, named once each.
func (t *Topic) Place(text []byte, start, end int) Place {
	if len(t.keys) == 0 || bytes.Count(text[start:end], []byte("|")) >= 2 {
		return PlaceUnknown
	}
	i, _ := slices.BinarySearch(t.at, int32(start))
	j := i
	for j < len(t.at) && int(t.at[j]) < end {
		j++
	}
	if j-i > 2*offTopicMaxWords || len(t.words)-(j-i) < offTopicMinContext {
		return PlaceUnknown
	}
	t.unit = append(t.unit[:0], t.words[i:j]...)
	distinct, shared := 0, 0
	for i, k := range t.unit {
		seen, here := false, int32(0)
		for j, o := range t.unit {
			if o == k {
				if j < i {
					seen = true
					break
				}
				here++
			}
		}
		if seen {
			continue
		}
		distinct++
		if t.count(k) > here {
			shared++
		}
	}
	switch {
	case distinct < offTopicMinWords || distinct > offTopicMaxWords:
		return PlaceUnknown
	case shared*offTopicShare >= distinct:
		return PlaceOnTopic
	}
	return PlaceOffTopic
}

// OffTopic is the evidence bucket of a unit whose Place is PlaceOffTopic,
// or false.
func (t *Topic) OffTopic(text []byte, start, end int) (uint32, bool) {
	if t.Place(text, start, end) == PlaceOffTopic {
		return offTopic, true
	}
	return 0, false
}

var offTopic = RuleEvidence("context:off-topic")

// eachContentWord calls f with the key of every content word of normalised
// text (its first stemLen letters, never 0) and where the word starts.
func eachContentWord(text []byte, f func(uint64, int)) {
	for i := 0; i < len(text); {
		if c := text[i]; c < 'a' || c > 'z' {
			i++
			continue
		}
		j := i + 1
		for j < len(text) && ('a' <= text[j] && text[j] <= 'z' || text[j] == '\'') {
			j++
		}
		if j-i >= 4 {
			k := load8(text, i, min(j, i+stemLen)) | 1<<63
			if !isFunctionWord(k) {
				f(k, i)
			}
		}
		i = j
	}
}

// isFunctionWord tells the keys of words of four letters or more that carry
// no topic: they occur in every text, on every subject. The set is an
// open-addressing table, a read or two per word.
func isFunctionWord(k uint64) bool {
	for i := int((k*wordMul)>>(64-functionBits)) & (functionSlots - 1); ; i = (i + 1) & (functionSlots - 1) {
		switch functionWords[i] {
		case k:
			return true
		case 0:
			return false
		}
	}
}

const (
	functionBits  = 9
	functionSlots = 1 << functionBits
)

var functionWords = func() (t [functionSlots]uint64) {
	for _, w := range []string{
		"about", "above", "after", "again", "against", "also", "although", "always", "another", "anything",
		"back", "been", "before", "being", "below", "best", "between", "both", "came", "cannot", "come",
		"could", "dear", "does", "doing", "done", "down", "during", "each", "either", "else", "even", "ever",
		"every", "from", "further", "give", "going", "good", "great", "have", "having", "hello", "help",
		"here", "into", "just", "know", "last", "like", "made", "make", "many", "more", "most", "much",
		"must", "need", "never", "next", "none", "only", "other", "over", "please", "really", "regards",
		"same", "should", "since", "some", "something", "still", "such", "sure", "take", "than", "thank",
		"thanks", "that", "their", "them", "then", "there", "these", "they", "thing", "this", "those",
		"through", "time", "under", "until", "upon", "very", "want", "well", "were", "what", "when",
		"where", "whether", "which", "while", "will", "with", "within", "without", "would", "your",
		"yours", "yourself",
	} {
		k := load8([]byte(w), 0, min(len(w), stemLen)) | 1<<63
		i := int((k*wordMul)>>(64-functionBits)) & (functionSlots - 1)
		for t[i] != 0 && t[i] != k {
			i = (i + 1) & (functionSlots - 1)
		}
		t[i] = k
	}
	return t
}()
