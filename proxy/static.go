package proxy

import (
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/zoo-dev/zoo-dev/config"
)

// staticFolders answer the site's static folders (config.Site.Static) the way
// IIS's static file handler does: GET and HEAD, the content type from the file
// name, Last-Modified and If-Modified-Since, no directory listing, and nothing
// outside the folder: files are opened through an os.Root, which refuses "..",
// absolute names and symbolic links that lead out.
type staticFolders []*staticFolder

type staticFolder struct {
	prefix string // URL prefix without a trailing slash
	root   *os.Root
}

// indexFiles are IIS's default documents, tried in order for a folder.
var indexFiles = []string{"index.html", "index.htm", "default.htm", "default.html"}

// hiddenSegments are names IIS's request filtering never serves, in any case.
var hiddenSegments = map[string]bool{"web.config": true, "bin": true, "app_data": true, "app_code": true}

// newStaticFolders opens each folder; one that cannot be opened is left out
// (its requests then go to the app, as if the folder were gone).
func newStaticFolders(list []config.StaticFolder) staticFolders {
	var out staticFolders
	for _, f := range list {
		root, err := os.OpenRoot(f.Root)
		if err != nil {
			continue
		}
		out = append(out, &staticFolder{prefix: strings.TrimSuffix(f.Path, "/"), root: root})
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].prefix) > len(out[j].prefix) })
	return out
}

// serve answers the request when a static folder holds its path and is
// mounted deeper than the app route rt (nil when no app matches); it reports
// whether it answered.
func (sf staticFolders) serve(w http.ResponseWriter, r *http.Request, rt *route) bool {
	for _, f := range sf {
		p := r.URL.Path
		if p != f.prefix && !strings.HasPrefix(p, f.prefix+"/") {
			continue
		}
		if rt != nil && len(rt.prefix) >= len(f.prefix) {
			return false
		}
		f.serveFile(w, r)
		return true
	}
	return false
}

// serveFile answers one request from the folder.
func (f *staticFolder) serveFile(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+strings.TrimPrefix(r.URL.Path, f.prefix)), "/")
	if hidden(name) {
		http.NotFound(w, r)
		return
	}
	file, st, err := f.open(name)
	if err == nil && st.IsDir() {
		if !strings.HasSuffix(r.URL.Path, "/") {
			file.Close()
			http.Redirect(w, r, path.Base(r.URL.Path)+"/", http.StatusMovedPermanently)
			return
		}
		file.Close()
		file, st, err = f.index(name)
	}
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer file.Close()
	http.ServeContent(w, r, st.Name(), st.ModTime(), file)
}

// open opens a slash-separated name inside the folder ("" is the folder).
func (f *staticFolder) open(name string) (*os.File, fs.FileInfo, error) {
	if name == "" {
		name = "."
	}
	file, err := f.root.Open(name)
	if err != nil {
		return nil, nil, err
	}
	st, err := file.Stat()
	if err != nil {
		file.Close()
		return nil, nil, err
	}
	return file, st, nil
}

// index opens the default document of a folder; a folder without one is not
// listed.
func (f *staticFolder) index(dir string) (*os.File, fs.FileInfo, error) {
	for _, n := range indexFiles {
		file, st, err := f.open(path.Join(dir, n))
		if err == nil && !st.IsDir() {
			return file, st, nil
		}
		if err == nil {
			file.Close()
		}
	}
	return nil, nil, errors.New("no default document")
}

// hidden reports a name with a segment IIS never serves, or a dot file.
func hidden(name string) bool {
	for _, seg := range strings.Split(name, "/") {
		if strings.HasPrefix(seg, ".") || hiddenSegments[strings.ToLower(seg)] {
			return true
		}
	}
	return false
}
