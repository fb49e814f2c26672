using System.Text.Json;
using ActorDispatch.Model;
using ActorDispatch.Transports.Mqtt.Options;

namespace ActorDispatch.Transports.Mqtt.Tests.Unit;

public sealed class TopicTemplateSpec
{
    private static Event Event(string type = "order_created", string? topic = "orders") => new()
    {
        Id = Guid.NewGuid(),
        Sequence = 1,
        Namespace = "ns1",
        Type = type,
        Topic = topic,
        Created = DateTimeOffset.UnixEpoch,
        Data = JsonSerializer.SerializeToElement(new { n = 1 }),
    };

    [Fact]
    public void Fills_in_namespace_topic_and_type() =>
        Assert.Equal("x/ns1/orders/order_created", TopicTemplate.Parse("x/{namespace}/{topic}/{type}").Render(Event()));

    [Fact]
    public void The_default_is_actordispatch_namespace_topic() =>
        Assert.Equal("actordispatch/ns1/orders", TopicTemplate.Parse(TopicTemplate.Default).Render(Event()));

    [Fact]
    public void A_missing_topic_becomes_an_underscore() =>
        Assert.Equal("actordispatch/ns1/_", TopicTemplate.Parse(TopicTemplate.Default).Render(Event(topic: null)));

    [Fact]
    public void Wildcards_in_values_are_replaced_and_slashes_add_levels() =>
        Assert.Equal("t/a_b_/eu/x", TopicTemplate.Parse("t/{topic}").Render(Event(topic: "a+b#/eu/x")));

    [Fact]
    public void A_value_never_makes_a_system_topic() =>
        Assert.Equal("_SYS/x", TopicTemplate.Parse("{topic}").Render(Event(topic: "$SYS/x")));

    [Fact]
    public void A_template_without_placeholders_is_one_fixed_topic() =>
        Assert.Equal("fixed/topic", TopicTemplate.Parse("fixed/topic").Render(Event()));
}
