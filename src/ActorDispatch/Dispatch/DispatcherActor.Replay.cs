using ActorDispatch.Model;
using Akka.Actor;
using Akka.Event;

namespace ActorDispatch.Dispatch;

/// <summary>
/// Replays of parked events. They go ahead of the live stream: once a replay is asked for, no new
/// live delivery is made, the ones in flight are answered, and the parked events are then delivered
/// in sequence order, up to the window at a time. Their offset is long committed, so they are kept
/// apart from the <see cref="OffsetTracker"/>: an ack reports <see cref="Dispatcher.Replayed"/>
/// (the event leaves the parked list), a failure counts an attempt and, like a reject of the live
/// stream, sends every replay in flight again after a pause, or parks the event again once it has
/// failed <c>maxDeliveries</c> times.
/// </summary>
internal sealed partial class DispatcherActor
{
    private sealed record ReplayLoaded(IReadOnlyList<Event> Events);

    private sealed record ReplayLoadFailed(Exception Cause);

    private sealed record ResumeReplays
    {
        public static readonly ResumeReplays Instance = new();
    }

    private readonly SortedDictionary<long, ParkedEvent> _replayWanted = new();
    private readonly SortedDictionary<long, Event> _replayReady = new();
    private readonly Dictionary<Guid, Event> _replayInFlight = new();
    // The attempts that parked each event being replayed: a second parking counts them too.
    private readonly Dictionary<long, int> _replayPriorDeliveries = new();
    private bool _replayLoading;
    private bool _replayHeld;
    private int _replayFailuresWithoutProgress;

    private bool Replaying => _replayLoading || _replayWanted.Count > 0 || _replayReady.Count > 0 || _replayInFlight.Count > 0;

    private void ReceiveReplays()
    {
        Receive<Dispatcher.Replay>(r =>
        {
            foreach (var parked in r.Events)
            {
                if (_replayPriorDeliveries.ContainsKey(parked.Sequence)) continue; // already being replayed
                _replayWanted[parked.Sequence] = parked;
                _replayPriorDeliveries[parked.Sequence] = parked.Deliveries;
            }
            LoadReplays();
        });
        Receive<ReplayLoaded>(l =>
        {
            _replayLoading = false;
            var withData = _setup.Options.WithData;
            foreach (var e in l.Events) _replayReady[e.Sequence] = withData || e.Data is null ? e : e with { Data = null };
            LoadReplays();
            Drain();
        });
        Receive<ReplayLoadFailed>(f =>
        {
            _replayLoading = false;
            _log.Warning("Reading parked events of subscription {0} to replay them failed: {1}; trying again", _ref, f.Cause.Message);
            Timers.StartSingleTimer(ResumeReplays.Instance, ResumeReplays.Instance, _setup.Settings.RewindBackoffMax);
        });
        Receive<ResumeReplays>(_ =>
        {
            _replayHeld = false;
            LoadReplays();
            Drain();
        });
    }

    // Reads the wanted events a window at a time; the answer comes back as a message.
    private void LoadReplays()
    {
        if (_replayLoading || _replayWanted.Count == 0) return;
        var batch = _replayWanted.Keys.Take(_setup.Options.Window).ToArray();
        foreach (var sequence in batch) _replayWanted.Remove(sequence);
        _replayLoading = true;
        var ns = _subscription.Namespace;
        var reader = _setup.Reader;
        Task.WhenAll(batch.Select(sequence => reader.ReadAsync(ns, sequence, 1)))
            .ContinueWith(t => t.Result.SelectMany(read => read.Take(1)).Where(e => batch.Contains(e.Sequence)).ToArray(), TaskContinuationOptions.OnlyOnRanToCompletion)
            .PipeTo(Self, success: events => new ReplayLoaded(events), failure: ex => new ReplayLoadFailed(ex));
    }

    // Replays start once no live delivery is in flight, so that a transport that mirrors rewinds
    // (a lower sequence after a higher one) sees nothing of the live stream to forget.
    private void DrainReplays()
    {
        if (_replayHeld || _tracker.InFlight > 0) return;
        while (_replayInFlight.Count < _setup.Options.Window && _replayReady.Count > 0)
        {
            var (sequence, e) = _replayReady.First();
            _replayReady.Remove(sequence);
            var deliver = DeliveryOf([e], redelivery: true);
            _replayInFlight[deliver.Id] = e;
            _counters.Delivery(1, redelivery: true);
            _instruments.Delivered(1, redelivery: true);
            Send(deliver);
        }
        if (!Replaying) Drain(); // all answered: the live stream goes on
    }

    // True when the response was for a replay (handled here).
    private bool OnReplayResponse(EventDeliveryResponse response)
    {
        if (!_replayInFlight.TryGetValue(response.Id, out var e)) return false;
        _spans.End(response.Id, response.Rejected ? "reject" : "ack");
        if (response.Rejected)
        {
            _instruments.Rejected();
            ReplayFailed(response.Id, $"replay of {response.Id} rejected{(response.Info is null ? "" : ": " + response.Info)}", response.Delay);
            return true;
        }
        _replayInFlight.Remove(response.Id);
        _instruments.Acked(e.Created);
        _replayFailuresWithoutProgress = 0;
        _redeliveries.Succeeded(e.Sequence);
        _replayPriorDeliveries.Remove(e.Sequence);
        if (response.Reply is { } reply) AppendReply(e.Id, reply);
        Context.Parent.Tell(new Dispatcher.Replayed(e.Sequence));
        Drain();
        return true;
    }

    // True when the delivery was a replay (handled here).
    private bool ReplayFailed(Guid id, string reason, TimeSpan? requestedDelay)
    {
        if (!_replayInFlight.Remove(id, out var failed)) return false;
        var decision = _redeliveries.Failed(failed.Sequence, _replayFailuresWithoutProgress++, requestedDelay);
        // As a reject of the live stream does: everything in flight is sent again.
        foreach (var e in _replayInFlight.Values) _replayReady[e.Sequence] = e;
        _replayInFlight.Clear();
        if (decision.Park)
        {
            _log.Warning("Subscription {0} parks {1} again after {2} failed attempts: {3}", _ref, failed.Sequence, decision.Attempts, reason);
            _replayPriorDeliveries.Remove(failed.Sequence, out var prior);
            Context.Parent.Tell(new Dispatcher.Park(_subscription.Id,
                [new ParkedEvent { Sequence = failed.Sequence, Id = failed.Id, Deliveries = prior + decision.Attempts, Reason = reason, Parked = UtcTimestampJsonConverter.Now() }]));
        }
        else
        {
            _log.Info("Subscription {0} replays {1} again: {2}", _ref, failed.Sequence, reason);
            _replayReady[failed.Sequence] = failed;
        }
        if (decision.Delay > TimeSpan.Zero)
        {
            _replayHeld = true;
            Timers.StartSingleTimer(ResumeReplays.Instance, ResumeReplays.Instance, decision.Delay);
        }
        Drain();
        return true;
    }
}
