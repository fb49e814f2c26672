using ActorDispatch.Model;
using ActorDispatch.Subscriptions;
using ActorDispatch.Tests.Support;
using Akka.Actor;
using Akka.Configuration;

namespace ActorDispatch.Tests.Engine;

/// <summary>
/// A durable subscription's actor that stops (as after a failed store write) is started again by the
/// subscription host after <c>rewind-backoff-max</c>. Calls for it meanwhile are answered, and every
/// other subscription goes on undisturbed.
/// </summary>
public abstract class RestartingSubscriptionSpec(ITestOutputHelper output, StoreKind store)
    : EngineSpec(output, store, ConfigurationFactory.ParseString("actordispatch.dispatch.rewind-backoff-max = 5s"))
{
    [SkippableFact]
    public async Task Calls_for_a_restarting_subscription_are_answered_and_the_other_subscriptions_go_on()
    {
        var a = await CreateSubscriptionAsync("a");
        await CreateSubscriptionAsync("b", readAhead: 1);
        var conn = Connect("a", "b");
        await AppendManyAsync(1);
        var first = new[] { Deliveries.ExpectMsg<ProbeTransport.Delivered>(), Deliveries.ExpectMsg<ProbeTransport.Delivered>() };
        Transport.Ack(first.Single(d => d.Delivery.Subscription.Name == "a")); // b's stays unacked

        await StopSubscriptionActorAsync(a.Id);

        var ex = await Assert.ThrowsAsync<ActorDispatchException>(() => Engine.GetSubscriptionStatusAsync(Ns, "a"));
        Assert.Equal(ErrorKind.Unavailable, ex.Kind);
        Assert.StartsWith("AD10115", ex.Message);
        var updated = await Engine.UpsertSubscriptionAsync(new SubscriptionInput
        {
            Namespace = Ns, Name = "a", Transport = "probe", Filter = new SubscriptionFilter { Events = "^wanted$" },
            Options = new SubscriptionOptions { FirstEvent = "oldest" },
        });
        Assert.Equal("^wanted$", updated.Subscription.Filter.Events);

        // b was not restarted: its unacked delivery is not sent again, the next one comes.
        Assert.Equal(1, (await Engine.GetSubscriptionStatusAsync(Ns, "b")).InFlight);
        await Engine.AppendAsync(Ns, NewEvent("other"));
        var next = ExpectDelivery(2);
        Assert.Equal("b", next.Delivery.Subscription.Name);
        Transport.Ack(next); // b's window (1 + readAhead) has room again

        // a comes back with the definition it was given meanwhile, from its committed offset: "other"
        // does not pass its new filter.
        await Engine.AppendAsync(Ns, NewEvent("wanted"));
        var third = new[] { ExpectDelivery(3, TimeSpan.FromSeconds(15)), ExpectDelivery(3, TimeSpan.FromSeconds(15)) };
        Assert.Equal(["a", "b"], third.Select(d => d.Delivery.Subscription.Name).Order());
        var a3 = third.Single(d => d.Delivery.Subscription.Name == "a");
        Transport.Ack(a3);
        await AwaitOffsetAsync("a", 3);
        Assert.Equal(0, (await Engine.GetSubscriptionStatusAsync(Ns, "b")).Redelivered);
        Assert.True(await Engine.DeleteSubscriptionAsync(Ns, "a"));
    }

    private async Task StopSubscriptionActorAsync(Guid id)
    {
        Sys.ActorSelection($"/user/actordispatch-subscriptions/subscription-{id:N}-*").Tell(new Identify(id), TestActor);
        var actor = (await ExpectMsgAsync<ActorIdentity>()).Subject;
        Assert.NotNull(actor);
        Watch(actor);
        Sys.Stop(actor);
        await ExpectTerminatedAsync(actor);
        // The host learns of the stop on its own: until then it would forward calls to the dead actor.
        var host = await Sys.ActorSelection("/user/actordispatch-subscriptions").ResolveOne(TimeSpan.FromSeconds(3));
        await AwaitAssertAsync(async () =>
        {
            host.Tell(SubscriptionHost.GetActors.Instance, TestActor);
            Assert.DoesNotContain(actor, (await ExpectMsgAsync<SubscriptionHost.Actors>()).Running);
        });
    }
}

public sealed class RestartingSubscriptionSpecOnSqlite(ITestOutputHelper output) : RestartingSubscriptionSpec(output, StoreKind.Sqlite);

[Trait("Category", "Postgres")]
public sealed class RestartingSubscriptionSpecOnPostgres(ITestOutputHelper output) : RestartingSubscriptionSpec(output, StoreKind.Postgres);
