package main

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/poller-crm/poller/pkg/crm"
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

// TestExampleConfigDocumentsEveryKey: every key the config accepts appears
// in config.example.yaml (where each has its comment), and the example sets
// no key the config does not know.
func TestExampleConfigDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		t.Fatal(err)
	}
	inExample := map[string]bool{}
	var walkNode func(prefix string, n *yaml.Node)
	walkNode = func(prefix string, n *yaml.Node) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walkNode(prefix, c)
			}
		case yaml.SequenceNode:
			for _, c := range n.Content {
				walkNode(prefix+"[]", c)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				key := strings.TrimPrefix(prefix+"."+n.Content[i].Value, ".")
				inExample[key] = true
				walkNode(key, n.Content[i+1])
			}
		}
	}
	walkNode("", &root)
	accepted := map[string]bool{}
	var walkType func(prefix string, typ reflect.Type)
	walkType = func(prefix string, typ reflect.Type) {
		for typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		switch typ.Kind() {
		case reflect.Slice:
			if typ.Elem().Kind() == reflect.Struct {
				walkType(prefix+"[]", typ.Elem())
			}
		case reflect.Struct:
			for i := range typ.NumField() {
				tag, _, _ := strings.Cut(typ.Field(i).Tag.Get("yaml"), ",")
				if tag == "" || tag == "-" {
					continue
				}
				key := strings.TrimPrefix(prefix+"."+tag, ".")
				accepted[key] = true
				walkType(key, typ.Field(i).Type)
			}
		}
	}
	walkType("", reflect.TypeOf(config{}))
	for key := range accepted {
		if !inExample[key] {
			t.Errorf("config.example.yaml does not document %s", key)
		}
	}
	for key := range inExample {
		if !accepted[key] {
			t.Errorf("config.example.yaml sets %s, which the config does not accept", key)
		}
	}
}

func TestExampleRoleAddressesAreTheDefault(t *testing.T) {
	f, err := os.Open("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := parseConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.CRM.RoleAddresses, crm.DefaultRoleAddresses) {
		t.Errorf("config.example.yaml role_addresses = %v, want the built-in list %v", cfg.CRM.RoleAddresses, crm.DefaultRoleAddresses)
	}
}
