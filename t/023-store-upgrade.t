# A store of the layout before the secondary user indexes (layout 2,
# t/fixtures/store-v2, made by that release) opens in this one: the first
# worker builds the indexes in one write transaction and logs it at notice,
# and the indexed queries find its users.
use strict;
use warnings;

use File::Copy qw(copy);
use FindBin;
use Test::More;

use MyTimetable::Server;

plan skip_all => 'TEST_NGINX_LOAD_MODULES must name the module'
    unless $ENV{TEST_NGINX_LOAD_MODULES} && -f $ENV{TEST_NGINX_LOAD_MODULES};

my $fixture = "$FindBin::Bin/fixtures/store-v2/data.mdb";
my $srv = MyTimetable::Server->new(workers => 2);
# the master makes the store directory (owned by the worker user); then the
# old store's data file replaces the new one's, keeping its owner
$srv->start;
$srv->stop_now;
open my $in, '<:raw', $fixture or die "$fixture: $!";
open my $out, '+<:raw', $srv->store . '/data.mdb' or die "data.mdb: $!";
truncate $out, 0;
copy($in, $out) or die "copy: $!";
close $out;
my $since = $srv->error_log_size;
$srv->start;

my $r = $srv->request(GET => "users?\$filter=LastName%20eq%20'Last7'&\$select=UserName");
is($r->{status}, 200, 'a LastName query on the upgraded store answers');
is($r->{content}, '[{"UserName":"u7"}]', 'and finds the user through the new index');
$r = $srv->request(GET => "users?\$filter=startswith(Email,'u3')&\$select=UserName&\$orderby=FirstName%20desc");
is($r->{content}, '[{"UserName":"u39"},{"UserName":"u38"},{"UserName":"u37"},{"UserName":"u36"},'
    . '{"UserName":"u35"},{"UserName":"u34"},{"UserName":"u33"},{"UserName":"u32"},'
    . '{"UserName":"u31"},{"UserName":"u30"},{"UserName":"u3"}]',
   'an Email range sorted by FirstName holds every user it should');
my @lines = grep { /upgraded the store/ } split /\n/, $srv->error_log_since($since);
is(scalar @lines, 1, 'one worker upgraded the store, the other found it upgraded');
like($lines[0] // '', qr/\[notice\].*mytimetable: upgraded the store ".*" from layout 2 to 4: indexed 40 users in [0-9.]+ s/,
     'at notice, with the layouts and the number of users');
$srv->stop_now;

$since = $srv->error_log_size;
$srv->start;
$r = $srv->request(GET => "users?\$filter=Email%20eq%20'u12\@example.org'&\$select=UserName");
is($r->{content}, '[{"UserName":"u12"}]', 'the upgraded store opens again');
unlike($srv->error_log_since($since), qr/upgraded the store/, 'with nothing more to upgrade');
$srv->stop_now;

# A store of layout 3 (t/fixtures/store-v3, the release before SCIM, with u7
# and U7 that differ only by case) opens too: the SCIM indexes and the group
# records are built, and SCIM finds both users of the pair.
$fixture = "$FindBin::Bin/fixtures/store-v3/data.mdb";
open $in, '<:raw', $fixture or die "$fixture: $!";
open $out, '+<:raw', $srv->store . '/data.mdb' or die "data.mdb: $!";
truncate $out, 0;
copy($in, $out) or die "copy: $!";
close $out;
$since = $srv->error_log_size;
$srv->start;
$r = $srv->request(GET => 'v0/users/U7');
is($r->{status}, 200, 'the user added last to the layout-3 store is there');
@lines = grep { /upgraded the store/ } split /\n/, $srv->error_log_since($since);
is(scalar @lines, 1, 'one worker upgraded the layout-3 store');
like($lines[0] // '', qr/from layout 3 to 4: indexed 41 users/, 'from layout 3, all its users');
$srv->stop_now;

done_testing;
