# A synchronization type removed from the configuration: its synchronizations
# are still listed and can still be deleted by id or by
# type; a type that is neither declared nor held by the user is a 400.
use strict;
use warnings;

use Test::More;

use MyTimetable::Server;

plan skip_all => 'TEST_NGINX_LOAD_MODULES must name the module'
    unless $ENV{TEST_NGINX_LOAD_MODULES} && -f $ENV{TEST_NGINX_LOAD_MODULES};

my $srv = MyTimetable::Server->new(workers => 1);
$srv->start;
my @st = map { $srv->request(@$_)->{status} } (
    [PUT => 'v0/users/alice'],
    [PUT => 'v0/synchronizations', 'username=alice&type=googlecalendar'],
    [PUT => 'v0/synchronizations', 'username=alice&type=ews&provisioning_smtpAddress=alice@example.org'],
    [PUT => 'v0/synchronizations/1/events/e1',
     'start=2031-03-04T09:00:00Z&end=2031-03-04T10:00:00Z&summary=Lecture&location=Hall+1'],
);
is("@st", '204 204 204 204', 'with the default types: a googlecalendar and an ews synchronization, one event');
$srv->stop_now;

# googlecalendar and ews are no longer declared
$srv->set_http_config('mytimetable_sync_type caldav;');
$srv->start;

my $r = $srv->request(GET => 'v0/users/alice/synchronizations');
is($r->{status}, 200, 'the synchronizations of a removed type are still listed');
is(join(',', map { "$_->{id}:$_->{type}" } @{ $srv->json($r)->{synchronizations} }),
   '1:googlecalendar,2:ews', 'both, with their types');

$r = $srv->request(DELETE => 'v0/users/alice/synchronizations/o365?unlinkMode=UNLINK_ONLY');
is($r->{status}, 400, 'a type neither declared nor held answers 400');
is($r->{content}, '{"error":"bad_request","message":"unknown synchronization type \"o365\": use one of caldav"}',
   'and names the declared types');

$r = $srv->request(DELETE => 'v0/users/alice/synchronizations/googlecalendar?unlinkMode=DELETE_ALL_EVENTS');
is($r->{status}, 204, 'a removed type still deletes by type');
$r = $srv->request(DELETE => 'v0/synchronizations/2?unlinkMode=UNLINK_ONLY');
is($r->{status}, 204, 'and by id');

$r = $srv->request(GET => 'v0/users/alice/synchronizations');
is($r->{content}, '{"synchronizations":[]}', 'none is left');
$r = $srv->request(GET => 'v0/users/alice/events');
is($r->{content}, '{"events":[]}', 'DELETE_ALL_EVENTS removed the event of the removed type');

$r = $srv->request(PUT => 'v0/synchronizations', 'username=alice&type=googlecalendar');
is($r->{status}, 400, 'a new synchronization of the removed type is refused');
$srv->stop_now;

done_testing;
