// Package storetest is the conformance suite of the CRM store: one set of
// tests of pkg/crmstore's behaviour (recording, dedup, associations,
// threads, tags, import, export, status, search, reprocessing, intake
// actions, notices, leases, the web app's reads) that every adapter runs
// against its own database, so that the SQLite and PostgreSQL stores
// cannot drift apart.
//
// An adapter's test calls Run with an Opener:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t testing.TB, opts crmstore.Options) *crmstore.Store {
//			s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "poller.db"), opts)
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// The tests use the store's exported API only, and inspect rows with plain
// SQL through Store.DB (with ? placeholders, in the SQL both databases
// speak). Where the databases legitimately differ (full-text ranking, how
// a lease is held, ids after a rolled-back insert), a test asserts what
// both must satisfy, and the adapter's own tests keep the rest.
//
// Corpus and DiffExports are for comparing two stores: the same corpus
// recorded into each, on the same clock (CorpusNow), must export the same.
package storetest

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/poller-crm/poller/fixtures"
	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/crm/crmtest"
	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/ingest"
	"github.com/poller-crm/poller/pkg/view"
)

// Opener returns a fresh, empty store (its migrations applied) opened with
// opts, and closes it (and removes its database) in t.Cleanup.
type Opener func(t testing.TB, opts crmstore.Options) *crmstore.Store

// test is one conformance test.
type test struct {
	name string
	fn   func(t *testing.T, open Opener)
}

// tests are the suite, in the order Run runs them.
var tests = []test{
	// Recording: associations, dedup, threads, attachments, failures.
	{"ContactGetsItsFiveMostRecentOpenDeals", testContactGetsItsFiveMostRecentOpenDeals},
	{"Companies", testCompanies},
	{"NeverLogAndInternalAreNeverContacts", testNeverLogAndInternalAreNeverContacts},
	{"RecordIsIdempotent", testRecordIsIdempotent},
	{"BccCopyAndLaterForwardAreOneEmail", testBccCopyAndLaterForwardAreOneEmail},
	{"ForwardsWithoutMessageIDDedupByContent", testForwardsWithoutMessageIDDedupByContent},
	{"RepliesJoinTheThread", testRepliesJoinTheThread},
	{"AttachmentsStoredOnceAndLimited", testAttachmentsStoredOnceAndLimited},
	{"RawMailStoredCompactlyAndReadBackExactly", testRawMailStoredCompactlyAndReadBackExactly},
	{"HTMLBodyReadFromTheRawMessage", testHTMLBodyReadFromTheRawMessage},
	{"FailingMessageDoesNotCostTheBatch", testFailingMessageDoesNotCostTheBatch},
	{"RejectionsAreRecordedWithReason", testRejectionsAreRecordedWithReason},
	{"MigrationsAreRecorded", testMigrationsAreRecorded},

	// Tags: deal pins and private emails.
	{"DealTagPinsTheEmailToThatDeal", testDealTagPinsTheEmailToThatDeal},
	{"TagsCombineAndUnknownTagsAreNoted", testTagsCombineAndUnknownTagsAreNoted},
	{"PrivateEmailIsSeenByItsUserAndAdminsOnly", testPrivateEmailIsSeenByItsUserAndAdminsOnly},
	{"PrivateEmailIntakeRowDoesNotLinkForOthers", testPrivateEmailIntakeRowDoesNotLinkForOthers},
	{"PrivateEmailCountsFollowItsPrivacy", testPrivateEmailCountsFollowItsPrivacy},
	{"ExportMarksPrivateEmails", testExportMarksPrivateEmails},

	// Import and export.
	{"ExportEmptyStore", testExportEmptyStore},
	{"Export", testExport},
	{"ExportGroupsAssociationsByEmail", testExportGroupsAssociationsByEmail},
	{"ExportIsStable", testExportIsStable},
	{"SameInputSameExport", testSameInputSameExport},
	{"ContactView", testContactView},
	{"ContactAddresses", testContactAddresses},
	{"ExportSnapshotDoesNotBlockWriters", testExportSnapshotDoesNotBlockWriters},

	// Status.
	{"StatusLeavesOutRejectionsLoggedSince", testStatusLeavesOutRejectionsLoggedSince},

	// Reprocessing and the intake page's actions.
	{"ReprocessLogsARejectionAfterTheRulesChange", testReprocessLogsARejectionAfterTheRulesChange},
	{"ReprocessLinksADuplicateAndChangesReasons", testReprocessLinksADuplicateAndChangesReasons},
	{"ReprocessSkipsATooLargeMessageStoredAsItsHeader", testReprocessSkipsATooLargeMessageStoredAsItsHeader},
	{"LogIntakeOnANewContactAndUndo", testLogIntakeOnANewContactAndUndo},
	{"LogIntakeOnAnExistingContactKeepsIt", testLogIntakeOnAnExistingContactKeepsIt},
	{"DismissIntakeAndUndo", testDismissIntakeAndUndo},
	{"RerunIntakeAndUndo", testRerunIntakeAndUndo},
	{"UndoLogRefusedWhileAnotherItemNamesTheEmail", testUndoLogRefusedWhileAnotherItemNamesTheEmail},

	// Notices (the outbox).
	{"NoticeQueuedWithItsIntakeRow", testNoticeQueuedWithItsIntakeRow},
	{"NoNoticeForAnExternalSender", testNoNoticeForAnExternalSender},
	{"RecordThatFailsQueuesNoNotice", testRecordThatFailsQueuesNoNotice},
	{"AttachmentDroppedNotice", testAttachmentDroppedNotice},
	{"ClaimNotice", testClaimNotice},

	// Leases.
	{"LeaseOneHolderAtATime", testLeaseOneHolderAtATime},
	{"LeaseExpiresAndIsLost", testLeaseExpiresAndIsLost},
	{"LeaseRaceHasOneWinner", testLeaseRaceHasOneWinner},

	// The web app's reads, and search.
	{"WebVisibilityOfEmails", testWebVisibilityOfEmails},
	{"WebIntakeVisibility", testWebIntakeVisibility},
	{"WebSearch", testWebSearch},
	{"SearchRanksTheClearlyMoreRelevantFirst", testSearchRanksTheClearlyMoreRelevantFirst},
	{"ContactTimelineGroupsThreads", testContactTimelineGroupsThreads},
	{"WebQueriesPerPageAreConstant", testWebQueriesPerPageAreConstant},
	{"WebAttachmentsAndRawBytes", testWebAttachmentsAndRawBytes},
	{"SessionsAndPasswords", testSessionsAndPasswords},
	{"WebReadsEveryFixture", testWebReadsEveryFixture},
	{"ContactsListSortsFiltersAndPages", testContactsListSortsFiltersAndPages},

	// The smaller reads and writes.
	{"Digest", testDigest},
	{"NoticeRetriesAndFailures", testNoticeRetriesAndFailures},
	{"LastUIDValidity", testLastUIDValidity},
	{"ExistingContacts", testExistingContacts},
	{"ImportAllOfAnExport", testImportAllOfAnExport},
	{"DeleteUserSessions", testDeleteUserSessions},
	{"SizeAndWhere", testSizeAndWhere},
}

// Run runs every conformance test as a subtest of t, each on stores of its
// own from open.
func Run(t *testing.T, open Opener) {
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}

// Users are the users every test store starts with (SyncUsers).
var Users = []crm.User{{Email: "alice@example.com", Name: "Alice Rossi"}, {Email: "bob@example.com", Name: "Bob Marsh"}}

// openStore opens a fresh store with the test users.
func openStore(t testing.TB, open Opener, opts crmstore.Options) *crmstore.Store {
	t.Helper()
	s := open(t, opts)
	if err := s.SyncUsers(context.Background(), Users); err != nil {
		t.Fatal(err)
	}
	return s
}

// testRules are the standard test rules (config.example.yaml's).
func testRules(t testing.TB) *crm.Rules {
	t.Helper()
	return crmtest.Rules(t)
}

// Record processes raw messages (as file origins) and records them in one batch.
func Record(t testing.TB, s *crmstore.Store, raws ...string) []ingest.Result {
	t.Helper()
	rules := testRules(t)
	items := make([]ingest.Item, len(raws))
	for i, raw := range raws {
		items[i] = ingest.Process(rules, ingest.Origin{Path: fmt.Sprintf("msg%d.eml", i)}, []byte(raw))
	}
	res, err := s.Record(context.Background(), items)
	if err != nil {
		t.Fatalf("Record: %v", err)
	}
	return res
}

// recordItems records items in one batch.
func recordItems(t testing.TB, s *crmstore.Store, items ...ingest.Item) []ingest.Result {
	t.Helper()
	res, err := s.Record(context.Background(), items)
	if err != nil {
		t.Fatalf("Record: %v", err)
	}
	return res
}

// BCC is a message Bcc'd to the log address, dated 3 March 2026.
func BCC(from, to, subject, body string, extra ...string) string {
	h := []string{"From: " + from, "To: " + to, "Bcc: log@crm.example.com", "Subject: " + subject,
		"Date: Tue, 3 Mar 2026 10:00:00 +0100"}
	return strings.Join(append(h, extra...), "\r\n") + "\r\n\r\n" + body + "\r\n"
}

// Count runs a query of one integer.
func Count(t testing.TB, s *crmstore.Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// strings1 runs a query of one text column.
func strings1(t testing.TB, s *crmstore.Store, query string, args ...any) []string {
	t.Helper()
	rows, err := s.DB().Query(query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return out
}

// one runs a query of one text column and one row.
func one(t testing.TB, s *crmstore.Store, query string, args ...any) string {
	t.Helper()
	got := strings1(t, s, query, args...)
	if len(got) != 1 {
		t.Fatalf("%s = %q, want one row", query, got)
	}
	return got[0]
}

// exec runs a statement.
func exec(t testing.TB, s *crmstore.Store, query string, args ...any) {
	t.Helper()
	if _, err := s.DB().Exec(query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// EmailIDs are the emails logged by res, all of which must be logged.
func EmailIDs(t testing.TB, res []ingest.Result) []int64 {
	t.Helper()
	var ids []int64
	for i, r := range res {
		if r.Outcome != ingest.OutcomeLogged {
			t.Fatalf("message %d: outcome %s (%s, %v), want logged", i, r.Outcome, r.Reason, r.Err)
		}
		ids = append(ids, r.EmailIDs[0])
	}
	return ids
}

// viewer is the viewer of user email.
func viewer(t testing.TB, s *crmstore.Store, email string, admin bool) view.Viewer {
	t.Helper()
	id, err := s.UserID(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return view.Viewer{UserID: id, Email: email, Addresses: []string{email}, Admin: admin}
}

// FixtureItems processes n messages made from the project's fixtures
// (fixtures.EML, in name order, round and round), each with a Message-ID
// of its own so that every one is a new email, from origins
// "fixtures/N.eml", under the standard test rules.
func FixtureItems(t testing.TB, n int) []ingest.Item {
	t.Helper()
	raws := fixtureRaws(t)
	rules := crmtest.Rules(t)
	items := make([]ingest.Item, n)
	for i := range items {
		raw := append([]byte(fmt.Sprintf("Message-ID: <fixture-%d@example.com>\r\n", i)), raws[i%len(raws)]...)
		items[i] = ingest.Process(rules, ingest.Origin{Path: fmt.Sprintf("fixtures/%d.eml", i)}, raw)
	}
	return items
}

// fixtureRaws are the fixtures' messages, in name order.
func fixtureRaws(t testing.TB) [][]byte {
	t.Helper()
	names, err := fs.Glob(fixtures.EML(), "*.eml")
	if err != nil || len(names) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	raws := make([][]byte, len(names))
	for i, name := range names {
		if raws[i], err = fs.ReadFile(fixtures.EML(), name); err != nil {
			t.Fatal(err)
		}
	}
	return raws
}
