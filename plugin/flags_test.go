package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// envoyFlagBits is Envoy's response-flag bit vector as documented for the
// response.flags attribute and laid out by its CoreResponseFlag enum
// (envoy/stream_info/stream_info.h: flag i is bit 1<<i), written out bit by
// bit so that a shifted table in flags.go cannot pass.
var envoyFlagBits = map[uint64]string{
	0x1:        "LH",
	0x2:        "UH",
	0x4:        "UT",
	0x8:        "LR",
	0x10:       "UR",
	0x20:       "UF",
	0x40:       "UC",
	0x80:       "UO",
	0x100:      "NR",
	0x200:      "DI",
	0x400:      "FI",
	0x800:      "RL",
	0x1000:     "UAEX",
	0x2000:     "RLSE",
	0x4000:     "DC",
	0x8000:     "URX",
	0x10000:    "SI",
	0x20000:    "IH",
	0x40000:    "DPE",
	0x80000:    "UMSDR",
	0x100000:   "RFCF",
	0x200000:   "NFCF",
	0x400000:   "DT",
	0x800000:   "UPE",
	0x1000000:  "NC",
	0x2000000:  "OM",
	0x4000000:  "DF",
	0x8000000:  "DO",
	0x10000000: "DR",
	0x20000000: "UDO",
}

func TestResponseFlagsEveryBit(t *testing.T) {
	assert.Len(t, responseFlagNames, len(envoyFlagBits))
	for bit, name := range envoyFlagBits {
		assert.Equal(t, name, formatResponseFlags(bit), "bit %#x", bit)
	}
}

func TestResponseFlagsCombinedAndNone(t *testing.T) {
	for bits, want := range map[uint64]string{
		0:                    "-",
		0x20 | 0x8000:        "UF,URX", // connection failure, retries exhausted
		0x2 | 0x1:            "LH,UH",
		0x4000 | 0x10:        "UR,DC",
		1 << 40:              "-", // a custom flag Envoy's enum does not know
		0x100 | 1<<40:        "NR",
		0x3fffffff & 0x40040: "UC,DPE",
	} {
		assert.Equal(t, want, formatResponseFlags(bits), "bits %#x", bits)
	}
}
