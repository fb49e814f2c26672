using ActorDispatch.Configuration;
using ActorDispatch.Log;
using ActorDispatch.Model;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.TestKit;

namespace ActorDispatch.Tests.Engine;

/// <summary>The event log against Akka.Persistence.TestKit's journal, which injects write faults.</summary>
public sealed class JournalFailureSpec(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(TestJournalConfig, nameof(JournalFailureSpec), output)
{
    private static readonly Config TestJournalConfig = ConfigurationFactory.ParseString("""
        akka.test.startup-timeout = 30s
        akka.persistence {
          journal {
            plugin = "akka.persistence.journal.test"
            test { class = "Akka.Persistence.TestKit.TestJournal, Akka.Persistence.TestKit", plugin-dispatcher = "akka.actor.default-dispatcher" }
          }
          snapshot-store {
            plugin = "akka.persistence.snapshot-store.test"
            test { class = "Akka.Persistence.TestKit.TestSnapshotStore, Akka.Persistence.TestKit", plugin-dispatcher = "akka.actor.default-dispatcher" }
          }
        }
        """).WithFallback(ActorDispatchConfig.Reference);

    private ITestJournal Journal => TestJournal.FromRef(Persistence.Instance.Apply(Sys).JournalFor(null));

    private async Task WithJournalWrite(Func<JournalWriteBehavior, Task> behave, Func<Task> act)
    {
        await behave(Journal.OnWrite);
        try
        {
            await act();
        }
        finally
        {
            await Journal.OnWrite.Pass();
        }
    }

    private const string Ns = "default";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private IActorRef Logs() => Sys.ActorOf(EventLogs.Props(DispatchSettings.Create(Sys), CreateTestProbe().Ref, new LogPositions()));

    private static EventLog.Append Append(params string[] types) => new(Ns, types.Select(t => new NewEvent { Type = t }).ToArray());

    [Fact]
    public async Task A_failed_journal_write_fails_the_append_to_its_caller_and_leaves_no_half_written_state()
    {
        var logs = Logs();
        await logs.AskEngine<EventLog.Appended>(Append("a", "b"), Timeout);

        await WithJournalWrite(write => write.Fail(), async () =>
        {
            var ex = await Assert.ThrowsAsync<ActorDispatchException>(() => logs.AskEngine<EventLog.Appended>(Append("c", "d", "e"), Timeout));
            Assert.Equal(ErrorKind.Unavailable, ex.Kind);
            Assert.Contains("nothing was written", ex.Message);
        });

        var next = await logs.AskEngine<EventLog.Appended>(Append("f"), Timeout);
        Assert.Equal(3, next.Events[0].Sequence); // dense: none of c, d, e took a sequence
        Assert.Equal(3, (await logs.AskEngine<EventLog.Head>(new EventLog.GetHead(Ns), Timeout)).Sequence);
    }

    [Fact]
    public async Task A_rejected_journal_write_fails_the_append_and_sequences_stay_dense()
    {
        var logs = Logs();
        await logs.AskEngine<EventLog.Appended>(Append("a"), Timeout);

        await WithJournalWrite(write => write.Reject(), async () =>
        {
            var ex = await Assert.ThrowsAsync<ActorDispatchException>(() => logs.AskEngine<EventLog.Appended>(Append("b", "c"), Timeout));
            Assert.Equal(ErrorKind.Unavailable, ex.Kind);
        });

        var next = await logs.AskEngine<EventLog.Appended>(Append("d"), Timeout);
        Assert.Equal(2, next.Events[0].Sequence);
    }

    [Fact]
    public async Task A_log_that_cannot_recover_its_head_fails_the_waiting_append_and_a_later_one_continues_the_sequence()
    {
        var logs = Logs();
        await logs.AskEngine<EventLog.Appended>(Append("a", "b"), Timeout);
        await logs.AskEngine<EventLog.Appended>(Append("c"), Timeout);

        var restarted = Logs(); // a new registry: its log must recover the head from the journal
        await Journal.OnRecovery.Fail();
        try
        {
            var ex = await Assert.ThrowsAsync<ActorDispatchException>(() => restarted.AskEngine<EventLog.Appended>(Append("d"), Timeout));
            Assert.Equal(ErrorKind.Unavailable, ex.Kind);
        }
        finally
        {
            await Journal.OnRecovery.Pass();
        }

        var next = await restarted.AskEngine<EventLog.Appended>(Append("e"), Timeout);
        Assert.Equal(4, next.Events[0].Sequence); // after the entries [a, b] and [c]: nothing of d was written
    }

    [Fact]
    public async Task A_failed_write_of_several_entries_fails_every_append_in_it_and_sequences_stay_dense()
    {
        // One event per entry: the appends that wait behind the first write go out as one write of three entries.
        var logs = Sys.ActorOf(EventLogs.Props(DispatchSettings.Create(Sys) with { MaxEntryEvents = 1 }, CreateTestProbe().Ref, new LogPositions()));
        var journal = new HeldThenFailing();
        await Journal.OnWrite.SetInterceptorAsync(journal);
        try
        {
            var first = logs.AskEngine<EventLog.Appended>(Append("a"), Timeout);
            await journal.Writing.Task.WaitAsync(Timeout);
            var waiting = new[] { "b", "c", "d" }.Select(t => logs.AskEngine<EventLog.Appended>(Append(t), Timeout)).ToList();
            // The log answers in order: once it has answered this, it holds b, c and d.
            await logs.AskEngine<EventLog.Head>(new EventLog.GetHead(Ns), Timeout);
            journal.Release.TrySetResult();

            Assert.Equal(1, (await first).Events[0].Sequence);
            foreach (var append in waiting)
            {
                var ex = await Assert.ThrowsAsync<ActorDispatchException>(() => append);
                Assert.Equal(ErrorKind.Unavailable, ex.Kind);
                Assert.Contains("nothing was written", ex.Message); // failed by the log, not timed out
            }
        }
        finally
        {
            journal.Release.TrySetResult(); // never leave the first write held, also when the test failed
            await Journal.OnWrite.Pass();
        }

        var next = await logs.AskEngine<EventLog.Appended>(Append("e"), Timeout);
        Assert.Equal(2, next.Events[0].Sequence); // none of b, c, d took a sequence
    }

    // The first entry written is held back until released, and passes; writing any later entry fails.
    private sealed class HeldThenFailing : IJournalInterceptor
    {
        private int _entries;

        public TaskCompletionSource Writing { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task InterceptAsync(IPersistentRepresentation message)
        {
            if (Interlocked.Increment(ref _entries) > 1) throw new TestJournalFailureException("the store went away");
            Writing.TrySetResult();
            await Release.Task;
        }
    }
}
