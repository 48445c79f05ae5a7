package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// apiClient calls the gateway's REST API the way a user's program would.
type apiClient struct {
	base string
	http *http.Client
}

func newAPIClient(base string) *apiClient {
	return &apiClient{base: base, http: &http.Client{
		Timeout:   2 * time.Minute,
		Transport: &http.Transport{MaxIdleConnsPerHost: 64},
	}}
}

// apiError is an answer other than the expected status.
type apiError struct {
	status int
	body   string
}

func (e *apiError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.status, e.body) }

// call sends body as JSON (when not nil) and decodes a 2xx answer into out (when not nil).
func (a *apiClient) call(ctx context.Context, method, path, token string, body, out any) error {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("token", token)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &apiError{status: resp.StatusCode, body: string(raw)}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: decoding %q: %w", method, path, raw, err)
	}
	return nil
}

func (a *apiClient) waitHealthy(ctx context.Context) error {
	for {
		if err := a.call(ctx, http.MethodGet, "/health", "", nil, nil); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the gateway never became healthy: %w", ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// createInstance creates an instance of the account and returns the instance's own token.
func (a *apiClient) createInstance(ctx context.Context, accountToken, name string) (string, error) {
	var created struct {
		Instance struct {
			Token string `json:"token"`
		} `json:"instance"`
	}
	if err := a.call(ctx, http.MethodPost, "/api/instance/new", accountToken, map[string]string{"name": name}, &created); err != nil {
		return "", fmt.Errorf("create instance %s: %w", name, err)
	}
	return created.Instance.Token, nil
}

// connectQR starts a login and returns the QR code's text.
func (a *apiClient) connectQR(ctx context.Context, token, name string) (string, error) {
	var answer struct {
		Status string `json:"status"`
		QRCode string `json:"qrCode"`
	}
	if err := a.call(ctx, http.MethodGet, "/api/instance/connect/"+url.PathEscape(name), token, nil, &answer); err != nil {
		return "", fmt.Errorf("connect %s: %w", name, err)
	}
	if answer.QRCode == "" {
		return "", fmt.Errorf("connect %s: no QR code (status %q)", name, answer.Status)
	}
	return answer.QRCode, nil
}

// instanceStatus is the part of a listed instance the benchmark reads.
type instanceStatus struct {
	Name       string `json:"name"`
	Connection struct {
		State     string  `json:"state"`
		NumberJID *string `json:"numberJid"`
	} `json:"connection"`
}

// list returns the instances the token sees (all of the account's, with an account token),
// optionally only the one named.
func (a *apiClient) list(ctx context.Context, token, name string) ([]instanceStatus, error) {
	path := "/api/instance/list"
	if name != "" {
		path += "?instanceName=" + url.QueryEscape(name)
	}
	var answer struct {
		Instances []instanceStatus `json:"instances"`
	}
	if err := a.call(ctx, http.MethodGet, path, token, nil, &answer); err != nil {
		return nil, fmt.Errorf("list instances: %w", err)
	}
	return answer.Instances, nil
}

// waitState polls one instance until it reaches state.
func (a *apiClient) waitState(ctx context.Context, token, name, state string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	last := ""
	for {
		got, err := a.list(ctx, token, name)
		if err == nil && len(got) == 1 {
			last = got[0].Connection.State
			if last == state {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("instance %s: state %q, still not %q after %s", name, last, state, timeout)
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// countStates tallies the states of all of the account's instances.
func (a *apiClient) countStates(ctx context.Context, accountToken string) (map[string]int, []instanceStatus, error) {
	all, err := a.list(ctx, accountToken, "")
	if err != nil {
		return nil, nil, err
	}
	counts := map[string]int{}
	for _, inst := range all {
		counts[inst.Connection.State]++
	}
	return counts, all, nil
}
