using System.Text.RegularExpressions;
using ActorDispatch.Model;

namespace ActorDispatch.Subscriptions;

/// <summary>
/// A <see cref="SubscriptionFilter"/> compiled once: every non-empty pattern must match. A field the
/// event does not have (group, transaction type, or an unset topic/tag/author) is matched as the
/// empty string, so only an empty-matching pattern accepts it. Patterns run on .NET's
/// non-backtracking engine, in time linear in the input whatever the pattern, as FireFly's Go (RE2)
/// patterns do: no pattern can tie up the CPU, and no match times out and skips an event.
/// </summary>
internal sealed class EventFilter
{
    /// <summary>The longest pattern accepted, in characters; it bounds the work of compiling one.</summary>
    public const int MaxPatternLength = 1000;

    private readonly Regex? _events, _topic, _tag, _author, _group, _txType;

    private EventFilter(SubscriptionFilter f)
    {
        _events = Compile("filter.events", f.Events);
        _topic = Compile("filter.topic", f.Topic);
        _tag = Compile("filter.tag", f.Tag);
        _author = Compile("filter.author", f.Author);
        _group = Compile("filter.group", f.Group);
        _txType = Compile("filter.transaction.type", f.TransactionType);
    }

    /// <summary>Compiles the filter; throws <see cref="ActorDispatchException"/> naming the first invalid pattern.</summary>
    public static EventFilter Create(SubscriptionFilter filter) => new(filter);

    public bool Matches(Event e) =>
        Match(_events, e.Type) && Match(_topic, e.Topic) && Match(_tag, e.Tag) && Match(_author, e.Author) &&
        Match(_group, null) && Match(_txType, null);

    // Cannot time out; anything else it threw would fail the dispatch stream, which rewinds and
    // says so, rather than let an event pass unmatched.
    private static bool Match(Regex? regex, string? value) => regex is null || regex.IsMatch(value ?? string.Empty);

    /// <summary>Compiles a user's pattern for the linear-time engine, or throws an error naming <paramref name="field"/>.</summary>
    public static Regex? Compile(string field, string? pattern)
    {
        if (string.IsNullOrEmpty(pattern)) return null;
        if (pattern.Length > MaxPatternLength)
            throw Errors.InvalidRegex(field, pattern[..40] + "…", $"{pattern.Length} characters, more than the limit of {MaxPatternLength}");
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
        }
        catch (NotSupportedException ex)
        {
            throw Errors.InvalidRegex(field, pattern,
                $"{ex.Message} Patterns run in linear time, as RE2's do: backreferences, lookarounds and atomic groups are not available");
        }
        catch (ArgumentException ex)
        {
            throw Errors.InvalidRegex(field, pattern, ex.Message);
        }
    }
}
