package httpapi

import "testing"

// TestInstanceDeleteForgetsTagTurns: the per-instance turn lock of tag creation (labelIDs) goes
// with a deleted instance, so a server that creates and deletes instances all day does not keep
// one for every instance it ever had.
func TestInstanceDeleteForgetsTagTurns(t *testing.T) {
	e := newEnv(t)
	a := e.account("a", 0)
	e.instance(a, "gone")
	inst := e.instanceRow(a, "gone")
	turns := e.api.labelIDs.For(inst.ID)
	if e.api.labelIDs.For(inst.ID) != turns {
		t.Fatal("the tag turns are not kept per instance")
	}
	e.do("DELETE", "/api/instance/delete/gone", a, nil).Want(200)
	if e.api.labelIDs.For(inst.ID) == turns {
		t.Fatal("the deleted instance's tag turns are still registered")
	}
}
