using System.Text.Json;
using ActorDispatch.Configuration;
using ActorDispatch.Connections;
using ActorDispatch.Dispatch;
using ActorDispatch.Log;
using ActorDispatch.Model;
using ActorDispatch.Serialization;
using ActorDispatch.Subscriptions;
using Akka.Actor;
using Akka.Configuration;

namespace ActorDispatch.Tests.Model;

/// <summary>
/// Every message the engine sends between nodes goes through its own serializer and comes back
/// equal, actor references resolving to the same actors and nested messages to their own types; a
/// failure carries its error's kind and code across.
/// </summary>
public sealed class ClusterMessageSerializationTests() : Akka.TestKit.Xunit2.TestKit(
    ConfigurationFactory.ParseString("""
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
        """).WithFallback(ActorDispatchConfig.Reference))
{
    private static readonly Event SampleEvent = new()
    {
        Id = EventIds.Create(7), Sequence = 7, Type = "order_created", Namespace = "default", Topic = "orders", Created = UtcTimestampJsonConverter.Now(),
        Data = JsonSerializer.SerializeToElement(new { id = 1, lines = new[] { "a", "b" } }),
    };

    private static readonly Subscription SampleSubscription = new()
    {
        Id = Guid.NewGuid(), Namespace = "default", Name = "app1", Transport = "websockets", Created = UtcTimestampJsonConverter.Now(),
        Options = new SubscriptionOptions { FirstEvent = "oldest", ReadAhead = 10, Backoff = ["1s", "5s"] },
        Filter = new SubscriptionFilter { Events = "^order_" },
    };

    private IEnumerable<object> Samples()
    {
        var actor = TestActor;
        var id = SampleSubscription.Id;
        var delivery = new EventDelivery(SampleEvent, SampleSubscription.Ref);
        var parked = new ParkedEvent { Sequence = 7, Id = SampleEvent.Id, Deliveries = 3, Reason = "boom", Parked = UtcTimestampJsonConverter.Now() };
        yield return new EventLog.Append("default", [new NewEvent { Type = "t", Data = SampleEvent.Data }]);
        yield return new EventLog.Appended([SampleEvent]);
        yield return new EventLog.GetHead("default");
        yield return new EventLog.Head("default", 7);
        yield return new EventLog.WatchHead("default", actor);
        yield return new EventLog.UnwatchHead("default", actor);
        yield return new EventLog.EventsAppended("default", [SampleEvent]);
        yield return new Catalog.Create(new SubscriptionInput { Namespace = "default", Name = "app1", Transport = "websockets", Options = SampleSubscription.Options }, true);
        yield return new Catalog.Saved(SampleSubscription, true);
        yield return new Catalog.Delete("default", "app1");
        yield return new Catalog.Deleted(SampleSubscription);
        yield return new Catalog.Get("default", "app1");
        yield return new Catalog.List("default");
        yield return new Catalog.Listed([SampleSubscription]);
        yield return new Catalog.ToSubscription("default", "app1", new DurableSubscription.Pause(true));
        yield return new Catalog.Watch(actor);
        yield return new Catalog.View([SampleSubscription]);
        yield return new Catalog.Changed(SampleSubscription);
        yield return new Catalog.Removed(id);
        yield return SampleSubscription;
        yield return new SubscriptionStatus { CurrentOffset = 3, Connection = "c1", Node = "node2", OldestUnackedAge = "1.5s" };
        yield return new SubscriptionHost.Envelope(id, new DurableSubscription.Offer(actor, actor, "c1"));
        yield return new ConnectionRegistry.SubscriptionStarted(id, actor);
        yield return new DurableSubscription.Define(SampleSubscription, actor, new Catalog.Saved(SampleSubscription, false));
        yield return new DurableSubscription.Offer(actor, actor, "c1");
        yield return new DurableSubscription.Withdraw(actor);
        yield return DurableSubscription.Flush.Instance;
        yield return new DurableSubscription.Flushed(id, 5);
        yield return DurableSubscription.Delete.Instance;
        yield return new DurableSubscription.Reset(4);
        yield return new DurableSubscription.ResetDone(4);
        yield return new DurableSubscription.Pause(false);
        yield return new DurableSubscription.PauseDone(false);
        yield return new DurableSubscription.GetParked(0, 10);
        yield return new DurableSubscription.ParkedList([parked]);
        yield return new DurableSubscription.DiscardParked([7]);
        yield return new DurableSubscription.Discarded(1);
        yield return new DurableSubscription.ReplayParked(null);
        yield return new DurableSubscription.Replaying(1);
        yield return new Dispatcher.GetStatus(2, "node1");
        yield return new Connection.Deliver(SampleSubscription, delivery, null);
        yield return new Connection.Deliver(SampleSubscription, null, new EventDeliveryBatch(Guid.NewGuid(), SampleSubscription.Ref, [delivery]));
        yield return new Connection.Responded(new EventDeliveryResponse { Id = SampleEvent.Id, Rejected = true, Info = "no", Delay = TimeSpan.FromSeconds(2) }, [actor]);
        yield return new Connection.DeliveryFailed(SampleEvent.Id, "refused");
        yield return SampleEvent;
    }

    [Fact]
    public void Every_bound_message_type_has_a_sample_here()
    {
        var sampled = Samples().Select(s => s.GetType()).ToHashSet();
        var missing = ActorDispatchSerializer.BoundTypes.Where(t => !sampled.Contains(t)).Select(t => t.FullName).ToList();
        Assert.True(missing.Count == 0, $"no sample of: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Every_message_comes_back_as_it_was_sent()
    {
        foreach (var message in Samples())
        {
            var serializer = Sys.Serialization.FindSerializerFor(message);
            Assert.IsType<ActorDispatchSerializer>(serializer);
            var bytes = serializer.ToBinary(message);
            var back = Sys.Serialization.Deserialize(bytes, serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, message));
            Assert.IsType(message.GetType(), back);
            // Records holding lists compare those by reference: compare what they serialize to.
            Assert.Equal(Convert.ToBase64String(bytes), Convert.ToBase64String(serializer.ToBinary(back)));
        }
    }

    [Fact]
    public void Actor_references_and_nested_messages_resolve_on_the_receiving_side()
    {
        var envelope = new SubscriptionHost.Envelope(Guid.NewGuid(), new DurableSubscription.Offer(TestActor, TestActor, "c1"));
        var serializer = Sys.Serialization.FindSerializerFor(envelope);
        var back = (SubscriptionHost.Envelope)Sys.Serialization.Deserialize(serializer.ToBinary(envelope), serializer.Identifier, "HE");

        var offer = Assert.IsType<DurableSubscription.Offer>(back.Message);
        Assert.Equal(TestActor, offer.Registry);
        offer.Connection.Tell("hello");
        ExpectMsg("hello");
    }

    [Fact]
    public void A_failure_reply_keeps_its_error_kind_and_code_across_nodes()
    {
        var failure = new Status.Failure(Errors.SubscriptionNotFound("default", "nope"));
        var serializer = Sys.Serialization.FindSerializerFor(failure);
        var back = (Status.Failure)Sys.Serialization.Deserialize(serializer.ToBinary(failure), serializer.Identifier,
            Akka.Serialization.Serialization.ManifestFor(serializer, failure));

        var error = Assert.IsType<ActorDispatchException>(back.Cause);
        Assert.Equal(ErrorKind.NotFound, error.Kind);
        Assert.Equal(((ActorDispatchException)failure.Cause).Code, error.Code);
        Assert.Equal(failure.Cause.Message, error.Message);
    }
}
