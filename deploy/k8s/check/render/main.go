// render is a small offline stand-in for `helm template`, for
// `make deploy-check`: Helm is not packaged in Debian 12, but its template
// language is Go's text/template plus the sprig functions (Debian's
// golang-github-masterminds-sprig-dev) plus a few functions of Helm's own,
// which are implemented here: include, tpl, required, toYaml, fromYaml,
// toJson (sprig's), and .Files.Get.
//
//	render -chart DIR [-f values.yaml]... [-name smartmed] [-namespace smartmed]
//
// It prints every rendered manifest as one multi-document YAML stream,
// "# Source: <chart>/templates/<file>" before each document, in file-name
// order, like helm template.  Built in GOPATH mode against
// /usr/share/gocode (no network, no go.mod).
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	yamlv2 "gopkg.in/yaml.v2"
	"gopkg.in/yaml.v3"
)

type valueFiles []string

func (v *valueFiles) String() string     { return strings.Join(*v, ",") }
func (v *valueFiles) Set(s string) error { *v = append(*v, s); return nil }

// files is .Files: read-only access to files inside the chart directory.
type files struct{ root string }

func (f files) Get(name string) string {
	clean := filepath.Clean(name)
	if filepath.IsAbs(clean) || strings.HasPrefix(clean, "..") {
		return ""
	}
	b, err := os.ReadFile(filepath.Join(f.root, clean))
	if err != nil {
		return ""
	}
	return string(b)
}

// helmTyped gives a decoded YAML map the types Helm gives it: Helm reads
// values (and fromYaml) through sigs.k8s.io/yaml, YAML to JSON to Go, so
// every number is a float64.  A float64 prints as 1.8e+06 from 1,000,000
// up, which a service refuses as an integer setting: rendering with
// yaml.v3's ints would hide that (issue 32).
func helmTyped(in map[string]interface{}) (map[string]interface{}, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	out := map[string]interface{}{}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return out, nil
}

func readYAML(path string) (map[string]interface{}, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]interface{}{}
	if err := yaml.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	typed, err := helmTyped(out)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return typed, nil
}

// merge copies src over dst the way helm merges -f files: maps merge key
// by key, anything else replaces, and a null deletes the key.
func merge(dst, src map[string]interface{}) map[string]interface{} {
	for k, v := range src {
		if v == nil {
			delete(dst, k)
			continue
		}
		sm, sok := v.(map[string]interface{})
		dm, dok := dst[k].(map[string]interface{})
		if sok && dok {
			dst[k] = merge(dm, sm)
		} else {
			dst[k] = v
		}
	}
	return dst
}

// toYAML is Helm's toYaml: block style, two-space indent, keys sorted, no
// trailing newline.
func toYAML(v interface{}) string {
	b, err := yamlv2.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(b), "\n")
}

func fromYAML(s string) map[string]interface{} {
	out := map[string]interface{}{}
	if err := yaml.Unmarshal([]byte(s), &out); err != nil {
		out["Error"] = err.Error()
		return out
	}
	typed, err := helmTyped(out)
	if err != nil {
		return map[string]interface{}{"Error": err.Error()}
	}
	return typed
}

func funcMap(root **template.Template) template.FuncMap {
	f := sprig.TxtFuncMap()
	// Helm removes these: a chart must not read the renderer's environment.
	delete(f, "env")
	delete(f, "expandenv")
	f["toYaml"] = toYAML
	f["fromYaml"] = fromYAML
	f["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil {
			return nil, errors.New(msg)
		}
		if s, ok := v.(string); ok && s == "" {
			return nil, errors.New(msg)
		}
		return v, nil
	}
	f["include"] = func(name string, data interface{}) (string, error) {
		var buf bytes.Buffer
		if err := (*root).ExecuteTemplate(&buf, name, data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	f["tpl"] = func(text string, data interface{}) (string, error) {
		t, err := (*root).Clone()
		if err != nil {
			return "", err
		}
		t, err = t.New("tpl").Parse(text)
		if err != nil {
			return "", err
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	return f
}

func run() error {
	var vf valueFiles
	chart := flag.String("chart", "", "chart directory")
	name := flag.String("name", "smartmed", "release name")
	ns := flag.String("namespace", "smartmed", "release namespace")
	flag.Var(&vf, "f", "values file (repeatable; later files win)")
	flag.Parse()
	if *chart == "" {
		return errors.New("usage: render -chart DIR [-f values.yaml]...")
	}
	meta, err := readYAML(filepath.Join(*chart, "Chart.yaml"))
	if err != nil {
		return err
	}
	values, err := readYAML(filepath.Join(*chart, "values.yaml"))
	if err != nil {
		return err
	}
	for _, p := range vf {
		o, err := readYAML(p)
		if err != nil {
			return err
		}
		values = merge(values, o)
	}
	chartName, _ := meta["name"].(string)
	data := map[string]interface{}{
		"Values": values,
		"Release": map[string]interface{}{
			"Name": *name, "Namespace": *ns, "Service": "Helm",
			"IsInstall": true, "IsUpgrade": false, "Revision": 1,
		},
		"Chart": map[string]interface{}{
			"Name": chartName, "Version": meta["version"],
			"AppVersion": meta["appVersion"],
		},
		"Capabilities": map[string]interface{}{
			"KubeVersion": map[string]interface{}{
				"Version": "v1.27.0", "Major": "1", "Minor": "27",
			},
		},
		"Files": files{root: *chart},
	}
	paths, err := filepath.Glob(filepath.Join(*chart, "templates", "*"))
	if err != nil {
		return err
	}
	sort.Strings(paths)
	var root *template.Template
	root = template.New(chartName).Option("missingkey=zero").Funcs(funcMap(&root))
	var docs []string
	for _, p := range paths {
		ext := filepath.Ext(p)
		if ext != ".yaml" && ext != ".tpl" {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		tname := chartName + "/templates/" + filepath.Base(p)
		if _, err := root.New(tname).Parse(string(b)); err != nil {
			return err
		}
		if ext == ".yaml" && !strings.HasPrefix(filepath.Base(p), "_") {
			docs = append(docs, tname)
		}
	}
	var out bytes.Buffer
	for _, tname := range docs {
		var buf bytes.Buffer
		data["Template"] = map[string]interface{}{"Name": tname, "BasePath": chartName + "/templates"}
		if err := root.ExecuteTemplate(&buf, tname, data); err != nil {
			return err
		}
		text := strings.ReplaceAll(buf.String(), "<no value>", "")
		for _, doc := range splitDocs(text) {
			fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", tname, doc)
		}
	}
	_, err = os.Stdout.Write(out.Bytes())
	return err
}

// splitDocs cuts a rendered file at "---" lines and drops empty documents
// (a template whose condition was false renders only blank lines).
func splitDocs(text string) []string {
	var docs []string
	var cur []string
	flush := func() {
		doc := strings.TrimRight(strings.Join(cur, "\n"), " \n")
		doc = strings.TrimLeft(doc, "\n")
		if strings.TrimSpace(stripComments(doc)) != "" {
			docs = append(docs, doc)
		}
		cur = nil
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimRight(line, " ") == "---" {
			flush()
			continue
		}
		cur = append(cur, strings.TrimRight(line, " "))
	}
	flush()
	return docs
}

func stripComments(doc string) string {
	var keep []string
	for _, l := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "render:", err)
		os.Exit(1)
	}
}
