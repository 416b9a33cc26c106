package oms

// Permission is one entry of the guide's role permission list.
type Permission string

// Permissions, as the administrator grants them in roles.
const (
	PermView           Permission = "omnisales.view"
	PermCreate         Permission = "omnisales.create"
	PermEdit           Permission = "omnisales.edit"
	PermApprove        Permission = "omnisales.approve"
	PermDiscountsView  Permission = "trade_discounts.view"
	PermDiscounts      Permission = "trade_discounts.create"
	PermDeliveryNotes  Permission = "warehouse.delivery_notes"
	PermAWB            Permission = "innoship.awb"
	PermReturnsView    Permission = "returns.view"
	PermReturnsApprove Permission = "returns.approve"
	PermReports        Permission = "reports.omnisales"
	PermSettings       Permission = "settings.omnisales"
)

// Actor is the user on whose behalf a call is made. Staff carry
// permissions; a portal client carries ClientID and may act only on their
// own orders (view, place, request a return).
type Actor struct {
	// ID names the user in history and events.
	ID string
	// Permissions granted through the user's roles.
	Permissions []Permission
	// ClientID is set for a B2B portal client.
	ClientID string
	// Automated marks the library's own automation (sync, auto-confirm).
	// Automation never moves an order out of Stock Unavailable.
	Automated bool
}

// Can reports whether the actor holds p.
func (a Actor) Can(p Permission) bool {
	for _, q := range a.Permissions {
		if q == p {
			return true
		}
	}
	return false
}

// Roles from the guide, as permission sets to build actors from.
var (
	RoleOperator          = []Permission{PermView, PermCreate, PermEdit, PermDeliveryNotes, PermAWB, PermReturnsView}
	RoleSalesManager      = []Permission{PermView, PermCreate, PermEdit, PermApprove, PermReports}
	RoleEcommerceManager  = []Permission{PermView, PermEdit, PermDiscountsView, PermDiscounts, PermSettings, PermReports}
	RoleChannelAdmin      = []Permission{PermView, PermCreate, PermEdit, PermSettings}
	RoleReturnsSupervisor = []Permission{PermView, PermReturnsView, PermReturnsApprove}
)

// Staff returns an actor with the union of the given roles.
func Staff(id string, roles ...[]Permission) Actor {
	a := Actor{ID: id}
	for _, r := range roles {
		for _, p := range r {
			if !a.Can(p) {
				a.Permissions = append(a.Permissions, p)
			}
		}
	}
	return a
}

// PortalClient returns the actor for a B2B portal client.
func PortalClient(clientID string) Actor {
	return Actor{ID: "client:" + clientID, ClientID: clientID}
}

// System is the actor for automatic changes (sync, auto-confirm). It holds
// the operational permissions but not PermApprove: approving an order is a
// manager's decision (the guide's sales manager), never automation's. Use
// it only for the library's own automation.
func System(id string) Actor {
	return Actor{ID: id, Automated: true, Permissions: []Permission{PermView, PermCreate, PermEdit, PermDeliveryNotes,
		PermAWB, PermReturnsView, PermReturnsApprove, PermSettings}}
}

// eventPermission is what each lifecycle event needs from a staff actor.
var eventPermission = map[EventName]Permission{
	EvSubmit: PermEdit, EvVerify: PermEdit, EvRequestPayment: PermEdit, EvRecordPayment: PermEdit,
	EvConfirm: PermEdit, EvMarkReady: PermEdit, EvShip: PermAWB, EvDeliver: PermEdit,
	EvHold: PermEdit, EvResume: PermEdit, EvCancel: PermEdit, EvFail: PermEdit,
	EvMarkStockUnavailable: PermEdit,
	EvRequestReturn:        PermReturnsView, EvApproveReturn: PermReturnsApprove,
	EvApprovePartialReturn: PermReturnsApprove, EvRejectReturn: PermReturnsApprove,
	EvRefund: PermReturnsApprove, EvPartialRefund: PermReturnsApprove,
}

// clientEvents are what a portal client may do to their own order. A
// return is requested through the returns package, which records the
// request and checks the window before it moves the order.
var clientEvents = map[EventName]bool{EvSubmit: true, EvCancel: true}
