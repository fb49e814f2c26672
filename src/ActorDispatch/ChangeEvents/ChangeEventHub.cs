using System.Text.RegularExpressions;
using ActorDispatch.Log;
using ActorDispatch.Model;
using ActorDispatch.Transports;
using Akka.Actor;
using Akka.Event;

namespace ActorDispatch.ChangeEvents;

/// <summary>
/// Fans change events out to the ephemeral connections that asked for them: best effort, no ack.
/// Events appended to the logs become <c>events</c> change events only when someone listens.
/// </summary>
internal sealed class ChangeEventHub : ReceiveActor
{
    public const string EventsCollection = "events";
    public const string SubscriptionsCollection = "subscriptions";

    /// <summary>Starts delivering change events of collections matching <see cref="Collections"/> in a namespace.</summary>
    public sealed record Listen(string ConnectionId, string Namespace, Regex Collections, IChangeEventListener Listener);

    public sealed record Unlisten(string ConnectionId);

    public sealed record Publish(ChangeEvent Change);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, List<Listen>> _listeners = new(StringComparer.Ordinal);

    public ChangeEventHub()
    {
        Receive<Listen>(l =>
        {
            if (!_listeners.TryGetValue(l.ConnectionId, out var list)) _listeners[l.ConnectionId] = list = [];
            list.Add(l);
        });
        Receive<Unlisten>(u => _listeners.Remove(u.ConnectionId));
        Receive<Publish>(p => Deliver(p.Change));
        Receive<EventLog.EventsAppended>(a =>
        {
            if (_listeners.Count == 0) return;
            foreach (var e in a.Events)
                Deliver(new ChangeEvent { Collection = EventsCollection, Type = ChangeEventType.Created, Namespace = e.Namespace, Id = e.Id.ToString(), Sequence = e.Sequence });
        });
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new ChangeEventHub());

    private void Deliver(ChangeEvent change)
    {
        foreach (var list in _listeners.Values)
        {
            foreach (var l in list)
            {
                if (l.Namespace != change.Namespace || !l.Collections.IsMatch(change.Collection)) continue;
                try
                {
                    l.Listener.ChangeEvent(l.ConnectionId, change);
                }
                catch (Exception ex)
                {
                    _log.Warning(ex, "Change event listener on connection {0} failed", l.ConnectionId);
                }
            }
        }
    }
}
