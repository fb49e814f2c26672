using ActorDispatch.Transports.Webhooks.Options;
using ActorDispatch.Transports.Webhooks.Sending;
using Polly;

namespace ActorDispatch.Transports.Webhooks.Tests.Unit;

public sealed class SubscriptionLaneSpec
{
    private static SubscriptionLane Lane()
    {
        var settings = WebhooksSettings.From(WebhooksSettings.DefaultConfig("webhooks"));
        var options = WebhookOptionsParser.Parse(WebhookOptionsParserSpec.Options("""{"url":"http://h/"}"""), settings);
        return new SubscriptionLane(DateTimeOffset.UnixEpoch, new PreparedWebhook(options, new HttpClient(), ResiliencePipeline<WebhookResponse>.Empty));
    }

    [Fact]
    public void A_reject_cancels_its_generation_and_later_deliveries_join_a_new_one()
    {
        var lane = Lane();
        var first = lane.Current;
        Assert.Same(first, lane.Current);

        lane.Supersede(first);
        Assert.True(first.IsCancellationRequested);
        var second = lane.Current;
        Assert.NotSame(first, second);
        Assert.False(second.IsCancellationRequested);
        Assert.False(lane.Retired);
    }

    [Fact]
    public void A_late_reject_of_an_old_generation_leaves_the_current_one_alone()
    {
        var lane = Lane();
        var first = lane.Current;
        lane.Supersede(first);
        var second = lane.Current;

        lane.Supersede(first);
        Assert.Same(second, lane.Current);
        Assert.False(second.IsCancellationRequested);
    }

    [Fact]
    public void Retiring_cancels_the_current_generation()
    {
        var lane = Lane();
        var current = lane.Current;
        lane.Retire();
        Assert.True(lane.Retired);
        Assert.True(current.IsCancellationRequested);
    }
}
