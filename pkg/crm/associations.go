package crm

import "sort"

// MaxOpenDeals is how many of a contact's open deals an email is
// associated with: the most recently updated ones.
const MaxOpenDeals = 5

// OpenDeal is a contact's open deal, as the association rule weighs it.
type OpenDeal struct {
	ID int64
	// Updated is when the deal last changed, in the store's sortable form.
	Updated string
}

// RecentOpenDeals are the deals an email on the contact is associated
// with: its MaxOpenDeals most recently updated open deals (the higher id
// first among equals). deals is reordered.
func RecentOpenDeals(deals []OpenDeal) []int64 {
	sort.Slice(deals, func(i, j int) bool {
		if deals[i].Updated != deals[j].Updated {
			return deals[i].Updated > deals[j].Updated
		}
		return deals[i].ID > deals[j].ID
	})
	ids := make([]int64, 0, min(len(deals), MaxOpenDeals))
	for _, d := range deals[:min(len(deals), MaxOpenDeals)] {
		ids = append(ids, d.ID)
	}
	return ids
}

// ThreadLookup finds the thread of the logged email with a Message-ID
// (its own or, for a forward, its original's): ok false when none is
// logged.
type ThreadLookup func(messageID string) (thread int64, ok bool, err error)

// Thread is the thread an email joins: that of the closest logged email
// its references (In-Reply-To, then References, in order) name; ok false
// when it starts a thread of its own.
func Thread(refs []string, lookup ThreadLookup) (thread int64, ok bool, err error) {
	for i := len(refs) - 1; i >= 0; i-- { // the closest reference first
		if thread, ok, err = lookup(refs[i]); err != nil || ok {
			return thread, ok, err
		}
	}
	return 0, false, nil
}
