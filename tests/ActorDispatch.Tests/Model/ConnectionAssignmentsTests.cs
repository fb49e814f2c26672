using ActorDispatch.Connections;
using ActorDispatch.Model;
using ActorDispatch.Transports;
using Change = ActorDispatch.Connections.ConnectionAssignments.Change;

namespace ActorDispatch.Tests.Model;

public sealed class ConnectionAssignmentsTests
{
    private readonly List<(string Connection, string Subscription)> _failures = [];
    private readonly ConnectionAssignments _assignments;

    public ConnectionAssignmentsTests() =>
        _assignments = new ConnectionAssignments((connection, subscription, _) => _failures.Add((connection, subscription.Name!)));

    private static Subscription Sub(string name, string transport = "ws") => new()
    {
        Id = Guid.NewGuid(), Namespace = "default", Name = name, Transport = transport,
        Filter = SubscriptionFilter.Empty, Options = SubscriptionOptions.Empty,
    };

    private static SubscriptionMatcher Names(params string[] names) => s => names.Contains(s.Name);

    [Fact]
    public void The_earliest_registered_matching_connection_is_active_and_a_later_one_waits()
    {
        var a = Sub("a");
        Assert.Empty(_assignments.Put(a));

        Assert.Equal([new Change(a.Id, "c1")], _assignments.Register("c1", "ws", Names("a")));
        Assert.Empty(_assignments.Register("c2", "ws", Names("a")));
        Assert.Equal("c1", _assignments.ActiveFor(a.Id));
    }

    [Fact]
    public void Closing_the_active_connection_fails_over_in_registration_order_then_to_none()
    {
        var a = Sub("a");
        _assignments.Put(a);
        _assignments.Register("c1", "ws", Names("a"));
        _assignments.Register("c2", "ws", Names("a"));
        _assignments.Register("c3", "ws", Names("a"));

        Assert.Empty(_assignments.Close("c2")); // a waiting one: nothing changes
        Assert.Equal([new Change(a.Id, "c3")], _assignments.Close("c1"));
        Assert.Equal([new Change(a.Id, null)], _assignments.Close("c3"));
        Assert.Null(_assignments.ActiveFor(a.Id));
        Assert.Empty(_assignments.Close("c3")); // closed twice
    }

    [Fact]
    public void Registering_again_with_a_narrower_matcher_moves_only_what_it_no_longer_matches_and_keeps_its_place()
    {
        Subscription a = Sub("a"), b = Sub("b");
        _assignments.Put(a);
        _assignments.Put(b);
        _assignments.Register("c1", "ws", Names("a", "b"));
        _assignments.Register("c2", "ws", Names("a", "b"));

        Assert.Equal([new Change(b.Id, "c2")], _assignments.Register("c1", "ws", Names("a")));
        // Wider again: c1 was registered first, but b stays on c2 while c2 matches.
        Assert.Empty(_assignments.Register("c1", "ws", Names("a", "b")));
        Assert.Equal([new Change(b.Id, "c1")], _assignments.Close("c2"));
    }

    [Fact]
    public void A_connection_serves_only_subscriptions_of_its_transport()
    {
        var hook = Sub("a", transport: "webhooks");
        _assignments.Put(hook);
        Assert.Empty(_assignments.Register("c1", "ws", _ => true));
        Assert.Equal([new Change(hook.Id, "h1")], _assignments.Register("h1", "webhooks", _ => true));
    }

    [Fact]
    public void A_definition_that_changes_transport_or_stops_matching_moves_to_another_connection()
    {
        var a = Sub("a");
        _assignments.Put(a);
        _assignments.Register("c1", "ws", Names("a"));
        _assignments.Register("h1", "webhooks", _ => true);

        Assert.Empty(_assignments.Put(a with { Filter = new SubscriptionFilter { Topic = "x" } })); // same transport, still matched
        Assert.Equal([new Change(a.Id, "h1")], _assignments.Put(a with { Transport = "webhooks" }));
        Assert.Equal([new Change(a.Id, "c1")], _assignments.Put(a));
    }

    [Fact]
    public void A_removed_subscription_is_never_assigned_again()
    {
        var a = Sub("a");
        _assignments.Put(a);
        _assignments.Register("c1", "ws", Names("a"));
        _assignments.Remove(a.Id);

        Assert.Null(_assignments.ActiveFor(a.Id));
        Assert.Empty(_assignments.Register("c2", "ws", Names("a")));
        Assert.Empty(_assignments.Close("c1"));
    }

    [Fact]
    public void Reset_keeps_current_assignments_adds_the_new_and_forgets_the_deleted()
    {
        Subscription a = Sub("a"), b = Sub("b"), c = Sub("c");
        _assignments.Put(a);
        _assignments.Put(b);
        _assignments.Register("c1", "ws", _ => true);

        Assert.Equal([new Change(c.Id, "c1")], _assignments.Reset([a, c]));
        Assert.Null(_assignments.ActiveFor(b.Id));
        Assert.Equal(["a", "c"], _assignments.Subscriptions.Select(s => s.Name).Order());
    }

    [Fact]
    public void A_matcher_that_throws_is_no_match_and_is_reported()
    {
        var a = Sub("a");
        _assignments.Put(a);

        Assert.Empty(_assignments.Register("bad", "ws", _ => throw new InvalidOperationException("boom")));
        Assert.Equal([("bad", "a")], _failures);
        Assert.Equal([new Change(a.Id, "good")], _assignments.Register("good", "ws", _ => true));
    }
}
