package main

import "testing"

// -seeds K trains K times, each with its own shuffle (the first the shipped
// one), and averages the weights; -seeds 1 is the shipped training.
func TestSeedsAverageTheTrainings(t *testing.T) {
	var exs []example
	for i := range 40 {
		exs = append(exs, example{Label: i % 2, feats: []uint32{uint32(i % 7), uint32(100 + i%2), uint32(200 + i%5)}, weight: 1})
	}
	st := settings{epochs: 3, rate: 0.4, l2: 1e-4}
	one := train(exs, st)
	if first := trainSeed(exs, st, 1, 2); first.Bias != one.Bias || first.W[100] != one.W[100] {
		t.Fatalf("-seeds 1 is not the shipped training: bias %v vs %v", one.Bias, first.Bias)
	}
	st.seeds = 3
	avg := train(exs, st)
	var want [3]float32
	for k := range 3 {
		m := trainSeed(exs, st, uint64(1+2*k), uint64(2+2*k))
		for j, h := range []int{3, 100, 201} {
			want[j] += m.W[h] / 3
		}
	}
	for j, h := range []int{3, 100, 201} {
		if d := avg.W[h] - want[j]; d > 1e-6 || d < -1e-6 {
			t.Errorf("weight %d: %v, want the mean of three trainings %v", h, avg.W[h], want[j])
		}
	}
	if avg.W[100] == one.W[100] {
		t.Error("three shuffles gave the weights of one")
	}
}
