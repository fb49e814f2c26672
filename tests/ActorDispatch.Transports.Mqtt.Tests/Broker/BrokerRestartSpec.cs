using ActorDispatch.Transports.Mqtt.Tests.Support;

namespace ActorDispatch.Transports.Mqtt.Tests.Broker;

/// <summary>
/// The broker killed mid-stream and started again: nothing is acked while it is down, and afterwards
/// every event arrives, in order of first arrival (redeliveries of what was in flight may repeat some).
/// The transport reaches the broker through a <see cref="BrokerGate"/>, opened only once the test's
/// subscriber has subscribed again, since a killed Mosquitto forgets the subscriber's session.
/// </summary>
[Trait("Category", "Broker")]
[Trait("Category", "Slow")]
[Collection(BrokerRestartCollection.Name)]
public sealed class BrokerRestartSpec(ITestOutputHelper output) : MqttSpec(output, BrokerGate.Start(Broker ?? "127.0.0.1:9"))
{
    private const int Count = 600;

    [SkippableFact]
    public async Task Killed_mid_stream_and_restarted_every_qos1_event_arrives_in_order_of_first_arrival()
    {
        SkipWithoutBroker();
        Skip.If(Environment.GetEnvironmentVariable(ControlVariable) is not { Length: > 0 }, $"skipped: {ControlVariable} is not set (.ci/run sets it)");
        await using var subscriber = await SubscriberAsync();
        await AwaitConnectedAsync();
        var first = Transport.Connections;
        // Half the events are dispatched before the kill, half after it.
        await AppendAsync(Count / 2);
        await SubscribeAsync("""{"qos": 1}""", readAhead: 20);
        await subscriber.WaitForAsync(50, TimeSpan.FromSeconds(30));

        // Held at the gate from here: what the broker acknowledged reaches the subscriber first, since
        // a killed Mosquitto loses what it holds only in memory (its loss, not the transport's).
        Gate!.Shut();
        Gate.Freeze();
        await AwaitAssertAsync(async () => Assert.True(subscriber.Received.Select(m => m.Number).Distinct().Count() >= await OffsetAsync()),
            TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(20));
        await BrokerControlAsync("kill");
        Gate.CutAll();
        await AwaitAssertAsync(() => Assert.Null(Transport.ConnectionId), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(20));
        await AppendAsync(Count / 2, first: Count / 2 + 1);

        // Nothing is acked while the broker is down (acks received before the kill may still be committing).
        await Task.Delay(300);
        var offsetWhileDown = await OffsetAsync();
        await Task.Delay(700);
        Assert.Equal(offsetWhileDown, await OffsetAsync());
        Assert.True(offsetWhileDown < Count, $"offset {offsetWhileDown}: every event was acked before the kill; the spec kills too late");

        await BrokerControlAsync("start");
        await subscriber.ReconnectAsync();
        Gate.Open();

        var received = await subscriber.WaitForDistinctAsync(Count, TimeSpan.FromSeconds(60));
        var firstArrivals = received.Select(m => m.Number).Distinct().ToList();
        Assert.Equal(Enumerable.Range(1, Count).Select(n => (long)n), firstArrivals);
        Assert.True(Transport.Connections > first, "the transport connected again");
        await AwaitOffsetAsync(Count, within: TimeSpan.FromSeconds(30));
    }
}

/// <summary>Specs that stop the shared broker run one at a time, and not beside the other broker specs' collections.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrokerRestartCollection
{
    public const string Name = "broker restart";
}
