using ActorDispatch.Transports.Mqtt.Publishing;
using ActorDispatch.Transports.Mqtt.Tests.Support;
using MQTTnet.Protocol;

namespace ActorDispatch.Transports.Mqtt.Tests.Broker;

/// <summary>Publishing to the real broker: order and completeness, the message's shape, retain, and each QoS.</summary>
[Trait("Category", "Broker")]
public sealed class DeliverySpec(ITestOutputHelper output) : MqttSpec(output)
{
    [SkippableFact]
    public async Task A_thousand_events_arrive_once_each_and_in_order_with_several_publishes_in_flight()
    {
        SkipWithoutBroker();
        await using var subscriber = await SubscriberAsync();
        await AppendAsync(1000);
        await SubscribeAsync("""{"qos": 1}""", readAhead: 50);

        var received = await subscriber.WaitForAsync(1000, TimeSpan.FromSeconds(60));
        Assert.Equal(Enumerable.Range(1, 1000).Select(n => (long)n), received.Select(m => m.Number));
        await AwaitOffsetAsync(1000);
    }

    [SkippableFact]
    public async Task The_message_carries_the_data_as_json_and_the_event_id_type_and_traceparent_as_user_properties()
    {
        SkipWithoutBroker();
        await using var subscriber = await SubscriberAsync();
        var events = await Engine.AppendAsync(Ns, [NewEvent(7, type: "order_shipped", topic: "orders")]);
        await SubscribeAsync();

        var message = Assert.Single(await subscriber.WaitForAsync(1));
        Assert.Equal($"{Prefix}/{Ns}/orders", message.Topic);
        Assert.Equal("""{"n":7}""", message.Payload);
        Assert.Equal(MqttMessageFactory.ContentType, message.ContentType);
        Assert.Equal(events[0].Id.ToString(), message.UserProperties["id"]);
        Assert.Equal("order_shipped", message.UserProperties["type"]);
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$", message.UserProperties["traceparent"]);
        Assert.False(message.UserProperties.ContainsKey("tracestate"));
        Assert.False(message.Retain);
    }

    [SkippableFact]
    public async Task Without_withData_the_payload_is_the_delivery_json()
    {
        SkipWithoutBroker();
        await using var subscriber = await SubscriberAsync();
        var events = await AppendAsync(1);
        await SubscribeAsync(withData: false);

        var message = Assert.Single(await subscriber.WaitForAsync(1));
        using var json = System.Text.Json.JsonDocument.Parse(message.Payload);
        Assert.Equal(events[0].Id.ToString(), json.RootElement.GetProperty("id").GetString());
        Assert.Equal("mq", json.RootElement.GetProperty("subscription").GetProperty("name").GetString());
    }

    [SkippableFact]
    public async Task Retained_messages_reach_a_subscriber_that_comes_later()
    {
        SkipWithoutBroker();
        await AppendAsync(3);
        await SubscribeAsync("""{"retain": true, "topic": "{prefix}/retained"}""");
        await AwaitOffsetAsync(3);

        await using var late = await SubscriberAsync();
        var message = Assert.Single(await late.WaitForAsync(1));
        Assert.True(message.Retain);
        Assert.Equal(3, message.Number);
    }

    [SkippableTheory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Each_qos_is_published_as_asked_and_acked(int qos)
    {
        SkipWithoutBroker();
        await using var subscriber = await SubscriberAsync();
        await AppendAsync(20);
        await SubscribeAsync($$"""{"qos": {{qos}}}""", readAhead: 5);

        var received = await subscriber.WaitForAsync(20);
        Assert.All(received, m => Assert.Equal((MqttQualityOfServiceLevel)qos, m.Qos));
        Assert.Equal(Enumerable.Range(1, 20).Select(n => (long)n), received.Select(m => m.Number));
        await AwaitOffsetAsync(20);
    }
}
