// Command proto-schema writes the protobuf schema of every type in client-go's scheme as compact JSON:
// for each Go struct, its protobuf field numbers with the JSON name, value kind and the Go json tag's
// omission rules, read by reflection from the struct tags (`protobuf:"..."` and `json:"..."`). The
// TypeScript decoder (src/core/protobuf) uses it to turn the API server's protobuf into the objects
// JSON.parse gives for the same object. Run it with `npm run -s proto-schema` after changing the pin.
//
// Output:
//
//	{"version": "v0.36.3", "source": "<sha256 of main.go, go.mod and go.sum>",
//	 "kinds": {"<apiVersion>/<Kind>": "<message id>"},
//	 "messages": {"<message id>": [[number, jsonName, type, flags, keyType?], ...]}}
//
// type is a scalar code (s string, b bool, i signed integer, u unsigned integer, d float64, f float32,
// y bytes), a special type with its own JSON form (Time, MicroTime, Duration, Quantity, IntOrString,
// FieldsV1, RawExtension) or a message id. flags: 1 repeated, 2 omitempty, 4 pointer, 8 omitzero,
// 16 inline (its fields are the parent's in JSON), 32 map (type is the value's; keyType the key's),
// 64 wrapper (a named slice sent as a message whose field 1 holds the items).
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
)

const (
	flagRepeated = 1 << iota
	flagOmitEmpty
	flagPointer
	flagOmitZero
	flagInline
	flagMap
	flagWrapper
)

// Types whose JSON form is not their struct's: the decoder knows each by this name.
var special = map[string]string{
	"k8s.io/apimachinery/pkg/apis/meta/v1.Time":       "Time",
	"k8s.io/apimachinery/pkg/apis/meta/v1.MicroTime":  "MicroTime",
	"k8s.io/apimachinery/pkg/apis/meta/v1.Duration":   "Duration",
	"k8s.io/apimachinery/pkg/apis/meta/v1.FieldsV1":   "FieldsV1",
	"k8s.io/apimachinery/pkg/api/resource.Quantity":   "Quantity",
	"k8s.io/apimachinery/pkg/util/intstr.IntOrString": "IntOrString",
	"k8s.io/apimachinery/pkg/runtime.RawExtension":    "RawExtension",
}

type generator struct {
	messages map[string][][]any
	problems []string
}

// id names a struct type compactly: "core/v1.Pod", "meta/v1.ObjectMeta".
func id(t reflect.Type) string {
	p := t.PkgPath()
	for _, prefix := range []string{"k8s.io/api/", "k8s.io/apimachinery/pkg/apis/", "k8s.io/apimachinery/pkg/"} {
		if strings.HasPrefix(p, prefix) {
			p = strings.TrimPrefix(p, prefix)
			break
		}
	}
	return p + "." + t.Name()
}

func (g *generator) message(t reflect.Type) string {
	if s, ok := special[t.PkgPath()+"."+t.Name()]; ok {
		return s
	}
	name := id(t)
	if _, done := g.messages[name]; done {
		return name
	}
	g.messages[name] = nil
	fields := [][]any{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		ptag, ok := f.Tag.Lookup("protobuf")
		if !ok {
			continue
		}
		jtag := f.Tag.Get("json")
		if jtag == "-" {
			continue
		}
		parts := strings.Split(ptag, ",")
		number, err := strconv.Atoi(parts[1])
		if err != nil {
			g.problems = append(g.problems, fmt.Sprintf("%s.%s: bad protobuf tag %q", name, f.Name, ptag))
			continue
		}
		opts := strings.Split(jtag, ",")
		jsonName := opts[0]
		flags := 0
		for _, o := range opts[1:] {
			switch o {
			case "omitempty":
				flags |= flagOmitEmpty
			case "omitzero":
				flags |= flagOmitZero
			case "inline":
				flags |= flagInline
			}
		}
		if jsonName == "" && f.Anonymous {
			flags |= flagInline
		}
		if jsonName == "" && flags&flagInline == 0 {
			jsonName = f.Name
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			flags |= flagPointer
			ft = ft.Elem()
		}
		field := []any{number, jsonName, nil, 0}
		switch {
		case ft.Kind() == reflect.Map:
			flags |= flagMap
			field[2] = g.valueType(ft.Elem(), &flags, name+"."+f.Name)
			field = append(field, g.scalar(ft.Key(), name+"."+f.Name))
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() != reflect.Uint8 && !isWrapper(ft):
			flags |= flagRepeated
			elem := ft.Elem()
			if elem.Kind() == reflect.Pointer {
				elem = elem.Elem()
			}
			field[2] = g.valueType(elem, &flags, name+"."+f.Name)
		default:
			field[2] = g.valueType(ft, &flags, name+"."+f.Name)
		}
		field[3] = flags
		fields = append(fields, field)
	}
	sort.Slice(fields, func(a, b int) bool { return fields[a][0].(int) < fields[b][0].(int) })
	g.messages[name] = fields
	return name
}

// isWrapper: a named slice that marshals itself as a message (e.g. authentication/v1.ExtraValue).
func isWrapper(t reflect.Type) bool {
	if t.Name() == "" || t.Kind() != reflect.Slice {
		return false
	}
	_, ok := reflect.PointerTo(t).MethodByName("Marshal")
	return ok
}

func (g *generator) valueType(t reflect.Type, flags *int, where string) string {
	if isWrapper(t) {
		*flags |= flagWrapper
		if t.Elem().Kind() == reflect.Struct {
			return g.message(t.Elem())
		}
		return g.scalar(t.Elem(), where)
	}
	if t.Kind() == reflect.Struct {
		return g.message(t)
	}
	if t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8 {
		g.problems = append(g.problems, fmt.Sprintf("%s: nested slice %s has no protobuf form we know", where, t))
		return "?"
	}
	return g.scalar(t, where)
}

func (g *generator) scalar(t reflect.Type, where string) string {
	switch t.Kind() {
	case reflect.String:
		return "s"
	case reflect.Bool:
		return "b"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "i"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "u"
	case reflect.Float64:
		return "d"
	case reflect.Float32:
		return "f"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "y"
		}
	}
	g.problems = append(g.problems, fmt.Sprintf("%s: no protobuf scalar for %s", where, t))
	return "?"
}

func main() {
	g := &generator{messages: map[string][][]any{}}
	kinds := map[string]string{}
	all := scheme.Scheme.AllKnownTypes()
	gvks := make([]schema.GroupVersionKind, 0, len(all))
	for gvk := range all {
		gvks = append(gvks, gvk)
	}
	sort.Slice(gvks, func(a, b int) bool { return gvks[a].String() < gvks[b].String() })
	for _, gvk := range gvks {
		t := all[gvk]
		if gvk.Version == "__internal" || t.Kind() != reflect.Struct {
			continue
		}
		if _, ok := reflect.PointerTo(t).MethodByName("Marshal"); !ok {
			continue // not sent as protobuf (e.g. option structs without generated code)
		}
		kinds[gvk.GroupVersion().String()+"/"+gvk.Kind] = g.message(t)
	}
	if len(g.problems) > 0 {
		fmt.Fprintln(os.Stderr, strings.Join(g.problems, "\n"))
		os.Exit(1)
	}
	out := map[string]any{"version": "v0.36.3", "source": sourceHash(), "kinds": kinds, "messages": g.messages}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// sourceHash identifies what the schema was generated from: a test compares it with the files on disk.
func sourceHash() string {
	h := sha256.New()
	for _, name := range []string{"main.go", "go.mod", "go.sum"} {
		data, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil))
}
