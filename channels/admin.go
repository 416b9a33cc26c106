package channels

import "github.com/azuvio/omnisales/oms"

// Admin changes a Registry on behalf of a person: every change needs
// oms.PermSettings (the guide's "Settings → OmniSales: channel
// configuration"), and a refusal is an *oms.ForbiddenError that changes
// nothing. Use it behind an admin screen; configuration loaded at start-up
// calls the Registry's methods directly. The zero value refuses
// everything.
type Admin struct {
	r     *Registry
	actor oms.Actor
}

// As returns the registry's changes made by actor.
func (r *Registry) As(actor oms.Actor) Admin { return Admin{r: r, actor: actor} }

func (a Admin) allowed(action string) error {
	if a.r == nil || a.actor.ClientID != "" || !a.actor.Can(oms.PermSettings) {
		return &oms.ForbiddenError{Actor: a.actor.ID, Permission: oms.PermSettings, Action: action}
	}
	return nil
}

// SetChannel is Registry.SetChannel for an actor with oms.PermSettings.
func (a Admin) SetChannel(c Channel) error {
	if err := a.allowed("configure a channel"); err != nil {
		return err
	}
	return a.r.SetChannel(c)
}

// SetShop is Registry.SetShop for an actor with oms.PermSettings.
func (a Admin) SetShop(s Shop) error {
	if err := a.allowed("configure a shop"); err != nil {
		return err
	}
	return a.r.SetShop(s)
}

// RemoveChannel is Registry.RemoveChannel for an actor with
// oms.PermSettings.
func (a Admin) RemoveChannel(id int64) error {
	if err := a.allowed("remove a channel"); err != nil {
		return err
	}
	return a.r.RemoveChannel(id)
}

// RemoveShop is Registry.RemoveShop for an actor with oms.PermSettings.
func (a Admin) RemoveShop(id string) error {
	if err := a.allowed("remove a shop"); err != nil {
		return err
	}
	a.r.RemoveShop(id)
	return nil
}
