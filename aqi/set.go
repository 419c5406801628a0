package aqi

import (
	"encoding/json"
	"iter"
	"math/bits"
	"strings"
)

// member is what a Set holds: one of a few enumerated values (Pollutant,
// Term, Group), each below 8 so that it has a bit of the set's byte.
type member interface {
	~uint8
	String() string
}

// Set is a set of pollutants, terms or groups (PollutantSet, TermSet,
// GroupSet), one bit per member; the zero value is empty. A byte rather
// than a slice keeps the sets comparable and free of allocations.
type Set[E member] uint8

func setOf[E member](es []E) Set[E] {
	var s Set[E]
	for _, e := range es {
		s |= 1 << e
	}
	return s
}

// Has reports whether e is in the set.
func (s Set[E]) Has(e E) bool { return s&(1<<e) != 0 }

// Len returns the number of members in the set.
func (s Set[E]) Len() int { return bits.OnesCount8(uint8(s)) }

// All yields the members in order (the order of their values: column order
// for pollutants and terms).
func (s Set[E]) All() iter.Seq[E] {
	return func(yield func(E) bool) {
		for e := range E(8) {
			if s.Has(e) && !yield(e) {
				return
			}
		}
	}
}

// Names returns the members' machine names in order (nil for the empty set).
func (s Set[E]) Names() []string {
	var out []string
	for e := range s.All() {
		out = append(out, e.String())
	}
	return out
}

// String joins the names with ",".
func (s Set[E]) String() string { return strings.Join(s.Names(), ",") }

// MarshalJSON encodes the set as a list of names ([] when empty).
func (s Set[E]) MarshalJSON() ([]byte, error) {
	names := s.Names()
	if names == nil {
		names = []string{}
	}
	return json.Marshal(names)
}
