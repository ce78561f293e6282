// Command golister lists tar archives exactly as Go's archive/tar reads them (the reader of
// Docker, containerd and `docker load`), for hullguard's differential test: one JSON array per
// archive named on the command line, one object per entry Next returns, names as hex, content
// as its sha256; an error ends the array as {"error": "..."}.
package main

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

type entry struct {
	Type     int    `json:"type"`
	Name     string `json:"name"`
	Linkname string `json:"linkname"`
	Size     int64  `json:"size"`
	Mode     int64  `json:"mode"`
	UID      int    `json:"uid"`
	GID      int    `json:"gid"`
	Sha256   string `json:"sha256"`
}

func list(path string) []interface{} {
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer f.Close()
	// Hide the file's Seek: Docker reads layers as a stream.
	tr := tar.NewReader(struct{ io.Reader }{f})
	entries := []interface{}{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return entries
		}
		if err != nil {
			return append(entries, map[string]string{"error": err.Error()})
		}
		h := sha256.New()
		if _, err := io.Copy(h, tr); err != nil {
			return append(entries, map[string]string{"error": err.Error()})
		}
		entries = append(entries, entry{
			Type:     int(hdr.Typeflag),
			Name:     hex.EncodeToString([]byte(hdr.Name)),
			Linkname: hex.EncodeToString([]byte(hdr.Linkname)),
			Size:     hdr.Size,
			Mode:     hdr.Mode,
			UID:      hdr.Uid,
			GID:      hdr.Gid,
			Sha256:   hex.EncodeToString(h.Sum(nil)),
		})
	}
}

func main() {
	out := json.NewEncoder(os.Stdout)
	for _, path := range os.Args[1:] {
		if err := out.Encode(list(path)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
}
