package main

import (
	"strings"
	"testing"
)

func TestExampleConfigLoads(t *testing.T) {
	cfg, rules, err := loadConfig("../../config.example.yaml")
	if err != nil {
		t.Fatalf("loadConfig(config.example.yaml): %v", err)
	}
	if len(cfg.Users) == 0 || !rules.IsLogAddress("log+anything@crm.example.com") {
		t.Errorf("example config: users %d, log address not recognised", len(cfg.Users))
	}
	if rules.MaxMessageSize() != 50<<20 {
		t.Errorf("MaxMessageSize = %d, want 50 MB", rules.MaxMessageSize())
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"crm:\n  log_adresses: [x@y.example]\n", `line 2: unknown key "log_adresses"`},
		{"crm:\n  max_message_size: lots\n", `"lots" is not a size`},
		{"users: {email: a@b.example}\n", "line 1"},
		{"", "empty"},
	}
	for _, tt := range tests {
		_, err := parseConfig(strings.NewReader(tt.yaml))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parseConfig(%q) error = %v, want it to contain %q", tt.yaml, err, tt.want)
		}
	}
}

func TestParseByteSize(t *testing.T) {
	for in, want := range map[string]int64{"1048576": 1 << 20, "512KB": 512 << 10, "50MB": 50 << 20, "1 GB": 1 << 30, "100kb": 100 << 10} {
		got, err := parseByteSize(in)
		if err != nil || got != want {
			t.Errorf("parseByteSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}
