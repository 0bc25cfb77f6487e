package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/flashstation/flashstation/jobs"
)

// stationFlags let units list/show/export ask a running station over its
// HTTP API instead of opening the database, which the station holds
// locked while it runs.
type stationFlags struct {
	url   string
	token string
}

func (sf *stationFlags) bind(cmd *cobra.Command) {
	cmd.Flags().StringVar(&sf.url, "station", "", "ask the running station at this URL (http://HOST:8080) instead of opening --db")
	cmd.Flags().StringVar(&sf.token, "token", "", "the station's http.token (default $FLASHSTATION_TOKEN); export needs it off loopback")
}

// client checks the flags and returns the API client, nil without --station.
func (sf *stationFlags) client(cmd *cobra.Command) (*stationClient, error) {
	if sf.url == "" {
		if cmd.Flags().Changed("token") {
			return nil, usageErrorf("--token applies only with --station URL")
		}
		return nil, nil
	}
	if cmd.Flags().Changed("db") {
		return nil, usageErrorf("--station and --db: give one (the station reads its own database)")
	}
	u, err := url.Parse(strings.TrimRight(sf.url, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usageErrorf("--station %q: want http://HOST:PORT or https://HOST:PORT", sf.url)
	}
	tok := sf.token
	if tok == "" {
		tok = os.Getenv("FLASHSTATION_TOKEN")
	}
	// No overall timeout: a backup of a large database may take minutes;
	// the connection and the answer's headers are bounded instead.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = 30 * time.Second
	return &stationClient{base: u, token: tok, tokenGiven: tok != "", http: &http.Client{Transport: tr}}, nil
}

// stationClient asks one station's API.
type stationClient struct {
	base       *url.URL
	token      string
	tokenGiven bool
	http       *http.Client
}

// refusal turns a station's non-200 answer into one line: the station's
// own {"error"} text, and for 401 what to give.
func (c *stationClient) refusal(resp *http.Response, path string) error {
	var e struct {
		Error string `json:"error"`
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	msg := strings.Join(strings.Fields(string(body)), " ")
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		msg = e.Error
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized && c.tokenGiven:
		return fmt.Errorf("station %s refused the token for %s (401): give the http.token of its station.toml with --token or FLASHSTATION_TOKEN", c.base, path)
	case resp.StatusCode == http.StatusUnauthorized:
		return fmt.Errorf("station %s wants its token for %s (401): give the http.token of its station.toml with --token or FLASHSTATION_TOKEN", c.base, path)
	case resp.StatusCode == http.StatusNotFound && strings.HasPrefix(path, "/api/units/"):
		return fmt.Errorf("station %s: %s", c.base, msg) // "no attempts recorded for unit …"
	}
	return fmt.Errorf("station %s: GET %s: %s: %s", c.base, path, resp.Status, msg)
}

// get fetches path?query into out (JSON), or hands the body to sink.
func (c *stationClient) get(ctx context.Context, path string, q url.Values, out any, sink func(io.Reader) error) error {
	u := *c.base
	u.Path += path
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return failed(fmt.Errorf("--station: %w", err))
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is named once, below
		}
		return failed(fmt.Errorf("station %s: %w (is flashstation serve running there?)", c.base, err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return failed(c.refusal(resp, path))
	}
	if sink != nil {
		if err := sink(resp.Body); err != nil {
			return failed(fmt.Errorf("station %s: GET %s: %w", c.base, path, err))
		}
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 256<<20)).Decode(out); err != nil {
		return failed(fmt.Errorf("station %s: GET %s: bad answer: %w", c.base, path, err))
	}
	return nil
}

// maxRemoteList is the most attempts /api/attempts answers at once.
const maxRemoteList = 1000

// attempts asks /api/attempts with the filter, newest first.
func (c *stationClient) attempts(ctx context.Context, f jobs.Filter) ([]*jobs.Attempt, error) {
	q := url.Values{}
	if f.UID != "" {
		q.Set("uid", f.UID)
	}
	// Bounds go as absolute times, so relative ones and dates mean what
	// they mean here, as they would with --db.
	if !f.Since.IsZero() {
		q.Set("since", f.Since.Format(time.RFC3339Nano))
	}
	if !f.Until.IsZero() {
		q.Set("until", f.Until.Format(time.RFC3339Nano))
	}
	if len(f.Results) > 0 {
		var rs []string
		for _, r := range f.Results {
			rs = append(rs, string(r))
		}
		q.Set("result", strings.Join(rs, ","))
	}
	if f.Recipe != "" {
		q.Set("recipe", f.Recipe)
	}
	if f.Slot != "" {
		q.Set("slot", f.Slot)
	}
	limit := f.Limit
	if limit <= 0 || limit > maxRemoteList {
		limit = maxRemoteList
	}
	q.Set("limit", strconv.Itoa(limit))
	var body struct {
		Attempts []*jobs.Attempt `json:"attempts"`
	}
	if err := c.get(ctx, "/api/attempts", q, &body, nil); err != nil {
		return nil, err
	}
	return body.Attempts, nil
}

// unit asks /api/units/{uid}; a unit with no attempts is an error, as it
// is from the database.
func (c *stationClient) unit(ctx context.Context, uid string) ([]*jobs.Attempt, error) {
	var body struct {
		Attempts []*jobs.Attempt `json:"attempts"`
	}
	if err := c.get(ctx, "/api/units/"+url.PathEscape(uid), nil, &body, nil); err != nil {
		return nil, err
	}
	return body.Attempts, nil
}

// snapshot copies the station's database through /api/backup (one
// consistent read transaction on the station, everything recorded) into a
// temporary file and opens it read-only; the caller closes the store and
// calls cleanup.
func (c *stationClient) snapshot(ctx context.Context) (*jobs.Store, func(), error) {
	dir, err := os.MkdirTemp("", "flashstation-station-copy-")
	if err != nil {
		return nil, nil, failed(err)
	}
	cleanup := func() { os.RemoveAll(dir) }
	path := filepath.Join(dir, "attempts.db")
	err = c.get(ctx, "/api/backup", nil, nil, func(r io.Reader) error {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		_, err = io.Copy(f, r)
		return errors.Join(err, f.Close())
	})
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	s, err := openReader(path)
	if err != nil {
		cleanup()
		// A body cut short (the station failed mid-backup) reads as damaged.
		return nil, nil, failed(fmt.Errorf("station %s: the copy from /api/backup does not open (cut short?): %w", c.base, err))
	}
	return s, cleanup, nil
}
