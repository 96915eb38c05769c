using FsCheck.Xunit;
using Xunit;

namespace Messaging.Tests;

public sealed class ConversationIdsTests
{
    [Property]
    public bool Direct_id_does_not_depend_on_the_order_of_the_pair(FsCheck.NonEmptyString a, FsCheck.NonEmptyString b)
        => ConversationIds.Direct(a.Get, b.Get) == ConversationIds.Direct(b.Get, a.Get);

    [Fact]
    public void Direct_ids_of_pairs_that_concatenate_alike_differ()
        => Assert.NotEqual(ConversationIds.Direct("ab", "c"), ConversationIds.Direct("a", "bc"));

    [Fact]
    public void Direct_id_is_prefixed_and_hex()
        => Assert.Matches("^d_[0-9a-f]{32}$", ConversationIds.Direct("alice", "bob"));
}
