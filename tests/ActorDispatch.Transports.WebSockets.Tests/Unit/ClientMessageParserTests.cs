using System.Text;
using ActorDispatch.Model;
using ActorDispatch.Transports.WebSockets.Internal;

namespace ActorDispatch.Transports.WebSockets.Tests.Unit;

public sealed class ClientMessageParserTests
{
    private static ClientMessage Parse(string json) => ClientMessageParser.Parse(Encoding.UTF8.GetBytes(json));

    private static string ErrorOf(string json) => Assert.Throws<ProtocolException>(() => Parse(json)).Message;

    [Fact]
    public void A_durable_start_carries_namespace_name_and_autoack()
    {
        var start = Assert.IsType<StartMessage>(Parse("""{"type":"start","namespace":"default","name":"app1","autoack":true}"""));
        Assert.Equal(("default", "app1", false, (bool?)true), (start.Namespace, start.Name, start.Ephemeral, start.AutoAck));
    }

    [Fact]
    public void Field_names_match_case_insensitively_as_in_FireFly()
    {
        var start = Assert.IsType<StartMessage>(Parse("""{"type":"start","Namespace":"default","NAME":"app1","autoAck":false,"changeevents":".*"}"""));
        Assert.Equal(("default", "app1", (bool?)false, ".*"), (start.Namespace, start.Name, start.AutoAck, start.ChangeEvents));
    }

    [Fact]
    public void Without_autoack_a_start_leaves_the_connection_setting_alone()
    {
        Assert.Null(Assert.IsType<StartMessage>(Parse("""{"type":"start","namespace":"default","name":"app1"}""")).AutoAck);
    }

    [Fact]
    public void An_ephemeral_start_reads_filter_and_options_in_FireFly_forms()
    {
        var start = Assert.IsType<StartMessage>(Parse("""
            {"type":"start","namespace":"ns","ephemeral":true,"changeEvents":"subscriptions",
             "filter":{"events":"^a","message":{"tag":"t","author":"me"}},
             "options":{"firstEvent":"oldest","readAhead":7,"withData":true}}
            """));
        Assert.True(start.Ephemeral);
        Assert.Equal(new SubscriptionFilter { Events = "^a", Tag = "t", Author = "me" }, start.Filter);
        Assert.Equal(new SubscriptionOptions { FirstEvent = "oldest", ReadAhead = 7, WithData = true }, start.Options);
        Assert.Equal("subscriptions", start.ChangeEvents);
    }

    [Fact]
    public void An_ack_names_its_delivery_and_subscription()
    {
        var id = Guid.NewGuid();
        var sub = Guid.NewGuid();
        var ack = Assert.IsType<AckMessage>(Parse($$$"""{"type":"ack","id":"{{{id}}}","subscription":{"id":"{{{sub}}}"}}"""));
        Assert.Equal(new AckMessage(id, new SubscriptionRef { Id = sub }, false, null, null), ack);

        var byName = Assert.IsType<AckMessage>(Parse("""{"type":"ack","subscription":{"namespace":"ns","name":"app1"}}"""));
        Assert.Equal(new SubscriptionRef { Namespace = "ns", Name = "app1" }, byName.Subscription);
        Assert.Null(byName.Id);
    }

    [Fact]
    public void An_ack_in_other_spellings_reads_the_same()
    {
        var id = Guid.NewGuid();
        var sub = Guid.NewGuid();
        var ack = Assert.IsType<AckMessage>(Parse($$$"""{"Type":"ack","ID":"{{{id:B}}}","Subscription":{"Id":"{{{sub:N}}}","NAMESPACE":"ns"}}"""));
        Assert.Equal(new AckMessage(id, new SubscriptionRef { Id = sub, Namespace = "ns" }, false, null, null), ack);
    }

    [Fact]
    public void A_repeated_field_reads_as_its_last_value()
    {
        var first = Guid.NewGuid();
        var last = Guid.NewGuid();
        var ack = Assert.IsType<AckMessage>(Parse($$$"""{"type":"ack","id":"{{{first}}}","id":"{{{last}}}"}"""));
        Assert.Equal(last, ack.Id);
    }

    [Fact]
    public void An_ack_without_an_id_answers_the_oldest_delivery()
    {
        var ack = Assert.IsType<AckMessage>(Parse("""{"type":"ack"}"""));
        Assert.Equal(new AckMessage(null, null, false, null, null), ack);
    }

    [Fact]
    public void An_empty_subscription_object_means_none()
    {
        Assert.Null(Assert.IsType<AckMessage>(Parse("""{"type":"ack","subscription":{}}""")).Subscription);
    }

    [Fact]
    public void Rejected_acks_and_nacks_are_rejects()
    {
        var id = Guid.NewGuid();
        Assert.Equal(new AckMessage(id, null, true, "why", null), Parse($$"""{"type":"ack","id":"{{id}}","rejected":true,"info":"why"}"""));
        Assert.Equal(new AckMessage(id, null, true, null, null), Parse($$"""{"type":"nack","id":"{{id}}"}"""));
        Assert.True(Assert.IsType<AckMessage>(Parse($$"""{"type":"nack","id":"{{id}}","rejected":false}""")).Rejected);
    }

    [Fact]
    public void A_nack_may_carry_a_delay_as_a_duration_or_milliseconds_and_an_ack_ignores_one()
    {
        var id = Guid.NewGuid();
        Assert.Equal(TimeSpan.FromSeconds(5), Assert.IsType<AckMessage>(Parse($$"""{"type":"nack","id":"{{id}}","delay":"5s"}""")).Delay);
        Assert.Equal(TimeSpan.FromMilliseconds(250), Assert.IsType<AckMessage>(Parse($$"""{"type":"nack","id":"{{id}}","delay":250}""")).Delay);
        Assert.Null(Assert.IsType<AckMessage>(Parse($$"""{"type":"ack","id":"{{id}}","delay":"5s"}""")).Delay);
    }

    [Fact]
    public void An_ack_may_carry_a_reply_event()
    {
        var ack = Assert.IsType<AckMessage>(Parse("""{"type":"ack","reply":{"type":"done","topic":"t","data":{"ok":true}}}"""));
        Assert.Equal("done", ack.Reply!.Type);
        Assert.True(ack.Reply.Data!.Value.GetProperty("ok").GetBoolean());
    }

    [Theory]
    [InlineData("{not json", "AD10300:")]
    [InlineData("", "AD10300:")]
    [InlineData("[1,2]", "AD10300:")]
    [InlineData("\"start\"", "AD10300:")]
    [InlineData("""{"type":"subscribe"}""", "AD10301: unknown message type 'subscribe'")]
    [InlineData("""{"type":"START"}""", "AD10301:")]
    [InlineData("""{"name":"x"}""", "AD10301: unknown message type ''")]
    [InlineData("""{"type":7}""", "AD10302: invalid 'type'")]
    [InlineData("""{"type":"ack","id":"nope"}""", "AD10302: invalid 'id': must be a UUID string")]
    [InlineData("""{"type":"ack","id":"5e6f2a34-1c0b-4a8e-9a51-0c2f1d7b9e11"} {}""", "AD10300:")]
    [InlineData("""{"type":"ack","subscription":{"id":"nope"}}""", "AD10302: invalid 'subscription.id': must be a UUID string")]
    [InlineData("""{"type":"ack","subscription":"app1"}""", "AD10302: invalid 'subscription'")]
    [InlineData("""{"type":"ack","subscription":{"namespace":"ns"}}""", "AD10302: invalid 'subscription.name'")]
    [InlineData("""{"type":"ack","rejected":"yes"}""", "AD10302: invalid 'rejected'")]
    [InlineData("""{"type":"ack","reply":{"topic":"no type"}}""", "AD10302: invalid 'reply'")]
    [InlineData("""{"type":"start","ephemeral":"true"}""", "AD10302: invalid 'ephemeral'")]
    [InlineData("""{"type":"start","filter":{"colour":"red"}}""", "AD10100: invalid 'filter.colour'")]
    [InlineData("""{"type":"start","options":{"readAhead":"many"}}""", "AD10103: invalid option 'options.readAhead'")]
    public void Malformed_messages_are_protocol_errors_naming_the_problem(string json, string expected)
    {
        Assert.StartsWith(expected, ErrorOf(json));
    }
}
