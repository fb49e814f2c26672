using ActorDispatch.Transports.Amqp.Tests.Support;

namespace ActorDispatch.Transports.Amqp.Tests.Delivery;

/// <summary>
/// The broker killed (SIGKILL) mid-stream and started again: the engine is told the connection
/// went, nothing is acked meanwhile, the transport reconnects, and every event arrives. Order is
/// judged on first occurrences: at-least-once delivery may repeat an event published before the
/// kill but not confirmed (it is redelivered from the committed offset), so the queue may hold a
/// stretch twice, but the first time each event appears must be in sequence order, and none may
/// be missing.
/// </summary>
[Trait("Category", "Slow")]
[Collection(BrokerOutageCollection.Name)]
public sealed class BrokerOutageSpec(ITestOutputHelper output) : AmqpSpec(output)
{
    [SkippableFact]
    public async Task Every_event_arrives_in_order_after_the_broker_is_killed_and_restarted()
    {
        RequireBroker();
        Skip.If(Environment.GetEnvironmentVariable(TestBroker.ControlVariable) is not { Length: > 0 }, $"skipped: {TestBroker.ControlVariable} is not set");
        // Durable, so that it and its confirmed persistent messages outlive the broker.
        var queue = await Broker.DeclareQueueAsync("outage", durable: true);
        await SubscribeAsync(ToQueue(queue), readAhead: 20);
        await AwaitConnectedAsync();
        await AppendAsync(400);
        await AwaitAssertAsync(async () => Assert.True(await OffsetAsync() >= 20), TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(10));

        try
        {
            await TestBroker.ControlAsync("kill");
            await AwaitAssertAsync(() => Assert.Null(Transport.ConnectionId), TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(50));
            await AwaitAssertAsync(async () => Assert.Null((await Engine.GetSubscriptionStatusAsync(Ns, "amqp")).Connection),
                TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
            await AppendAsync(100, first: 401);
            var offsetWhileDown = await OffsetAsync();
            Assert.True(offsetWhileDown < 500, $"offset {offsetWhileDown} while the broker was down");
        }
        finally
        {
            await TestBroker.ControlAsync("start");
        }

        await AwaitOffsetAsync(500, within: TimeSpan.FromSeconds(60));
        await Broker.ReconnectAsync();
        var numbers = (await Broker.DrainAsync(queue)).Select(m => NumberOf(m.Body)).ToList();
        var first = numbers.Distinct().ToList(); // Distinct keeps first occurrences, in order
        Output?.WriteLine($"{numbers.Count} messages, {numbers.Count - first.Count} repeated");
        Assert.Equal(Enumerable.Range(1, 500), first);
    }
}

/// <summary>The spec that kills the shared broker runs alone, after the other broker specs, which it would break.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrokerOutageCollection
{
    public const string Name = "broker outage";
}
