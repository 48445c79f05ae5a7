package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/switchboard/switchboard"
)

type listInstancesResponse struct {
	envelope
	Instances []instanceJSON `json:"instances"`
}

// handleInstanceList lists the caller's instances. An account sees all of its instances, or the
// ones named in ?instanceName= (one unknown name alone is a 404, unknown names in a list are
// skipped); an instance token sees only its own instance, whatever the filter says.
func (s *Server) handleInstanceList(w http.ResponseWriter, r *http.Request) error {
	caller := principalFrom(r.Context())
	var instances []*switchboard.Instance
	switch names := splitNames(r.URL.Query().Get("instanceName")); {
	case caller.instance != nil:
		instances = []*switchboard.Instance{caller.instance}
	case len(names) == 1:
		inst, err := s.cfg.Instances.InstanceByName(r.Context(), caller.accountID, names[0])
		if switchboard.IsCode(err, switchboard.CodeNotFound) {
			return errInstanceNotFound
		}
		if err != nil {
			return failed("Failed to list instances", err)
		}
		instances = []*switchboard.Instance{inst}
	default:
		all, err := s.cfg.Instances.ListInstances(r.Context(), caller.accountID)
		if err != nil {
			return failed("Failed to list instances", err)
		}
		instances = filterByName(all, names)
	}

	views := make([]instanceJSON, 0, len(instances))
	for _, inst := range instances {
		if inst.AccountID != caller.accountID {
			continue // the store scopes by account; a bug there must not become a leak here
		}
		views = append(views, newInstanceJSON(inst, s.cfg.Sessions.Status(inst)))
	}
	writeJSON(w, http.StatusOK, listInstancesResponse{envelope: ok(foundMessage(len(views))), Instances: views})
	return nil
}

// foundMessage is RyzeAPI's count message: "1 Instance found", otherwise "N Instances found".
func foundMessage(n int) string {
	if n == 1 {
		return "1 Instance found"
	}
	return strconv.Itoa(n) + " Instances found"
}

// splitNames parses a comma list, dropping blanks and repeats.
func splitNames(list string) []string {
	var names []string
	seen := map[string]bool{}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name != "" && !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	return names
}

// filterByName keeps the instances named in names, in the store's order; no names keeps all.
func filterByName(all []*switchboard.Instance, names []string) []*switchboard.Instance {
	if len(names) == 0 {
		return all
	}
	wanted := make(map[string]bool, len(names))
	for _, name := range names {
		wanted[name] = true
	}
	kept := all[:0:0]
	for _, inst := range all {
		if wanted[inst.Name] {
			kept = append(kept, inst)
		}
	}
	return kept
}
