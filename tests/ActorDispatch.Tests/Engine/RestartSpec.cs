using ActorDispatch.Tests.Support;
using Akka.Actor;

namespace ActorDispatch.Tests.Engine;

public abstract class RestartSpec(ITestOutputHelper output, StoreKind store)
    : EngineSpec(output, store)
{
    [SkippableFact]
    public async Task A_new_actor_system_on_the_same_file_resumes_every_subscription_from_its_committed_offset()
    {
        await AppendManyAsync(6);
        await CreateSubscriptionAsync("app1");
        await CreateSubscriptionAsync("app2", readAhead: 5);
        Connect("app1", "app2");
        var received = Enumerable.Range(0, 7).Select(_ => Deliveries.ExpectMsg<ProbeTransport.Delivered>(TimeSpan.FromSeconds(10))).ToList();
        foreach (var d in received.Where(d => d.Delivery.Subscription.Name == "app1" || d.Event.Sequence <= 4)) Transport.Ack(d);
        await AwaitOffsetAsync("app1", 1);
        await AwaitOffsetAsync("app2", 4);
        await Sys.Terminate(); // a clean stop flushes committed offsets at once

        var system = ActorSystem.Create("restarted", Compose(Store.Config, null));
        try
        {
            var probe = CreateTestProbe(system);
            var transport = new ProbeTransport(probe);
            var engine = new ActorDispatchEngine(system, [transport]);
            Assert.Equal(["app1", "app2"], (await engine.ListSubscriptionsAsync(Ns)).Select(s => s.Name));
            transport.Callbacks.RegisterConnection("again", s => s.Name is "app1" or "app2");

            var resumed = Enumerable.Range(0, 3).Select(_ => probe.ExpectMsg<ProbeTransport.Delivered>(TimeSpan.FromSeconds(10)))
                .Select(d => (d.Delivery.Subscription.Name, d.Event.Sequence)).OrderBy(x => x).ToList();
            Assert.Equal([("app1", 2L), ("app2", 5L), ("app2", 6L)], resumed);
            probe.ExpectNoMsg(TimeSpan.FromMilliseconds(400));
        }
        finally
        {
            await system.Terminate();
        }
    }
}

public sealed class RestartSpecOnSqlite(ITestOutputHelper output) : RestartSpec(output, StoreKind.Sqlite);

[Trait("Category", "Postgres")]
public sealed class RestartSpecOnPostgres(ITestOutputHelper output) : RestartSpec(output, StoreKind.Postgres);
