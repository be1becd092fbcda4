# A full store: writes answer 507 with a JSON error and a log line, reads keep
# working, nothing is corrupted, and a larger mytimetable_store_size applied
# by a reload lets writes succeed again.
use strict;
use warnings;
use Test::More;
use MyTimetable::Server;

plan skip_all => 'TEST_NGINX_LOAD_MODULES is not set' unless MyTimetable::Server::module_path();

for my $durability (qw(full relaxed)) {
    my $srv = MyTimetable::Server->new(
        workers     => 2,
        http_config => "mytimetable_store_size 64k;\n    mytimetable_durability $durability;",
    )->start;

    my (@acknowledged, $full);
    for my $n (1 .. 2000) {
        my $name = sprintf 'student-with-a-rather-long-username-%05d', $n;
        my $res = $srv->request('PUT', "v0/users/$name");
        if ($res->{status} == 204) {
            push @acknowledged, $name;
            next;
        }
        $full = $res;
        last;
    }
    ok($full, "$durability: the store fills up after " . scalar(@acknowledged) . " users");
    is($full->{status}, 507, "$durability: a write to a full store answers 507");
    is($full->{headers}{'content-type'}, 'application/json; charset=utf-8', "$durability: as JSON");
    is($full->{content},
       '{"error":"insufficient_storage","message":"the store is full; raise mytimetable_store_size"}',
       "$durability: with a message that says what to do");
    like($srv->error_log, qr/\[error\].*mytimetable: store: .*MDB_MAP_FULL/,
         "$durability: and an error log line");

    my $res = $srv->request('GET', 'v0/users');
    is($res->{status}, 200, "$durability: reads keep working");
    is_deeply($srv->json($res)->{users}, [sort @acknowledged],
              "$durability: every acknowledged user is there, and nothing else");

    my $form = $srv->request('PUT', 'v0/synchronizations', "username=$acknowledged[0]&type=googlecalendar");
    ok($form->{status} == 507 || $form->{status} == 204,
       "$durability: a synchronization either fits or answers 507 ($form->{status})");

    $srv->set_http_config("mytimetable_store_size 1m;\n    mytimetable_durability $durability;");
    $srv->reload;
    my $after;
    for (1 .. 50) {    # old workers may answer until they have finished
        $after = $srv->request('PUT', 'v0/users/after-the-reload');
        last if $after->{status} == 204;
        select(undef, undef, undef, 0.1);
    }
    is($after->{status}, 204, "$durability: after raising the size and a reload, writes succeed again");
    $res = $srv->request('GET', 'v0/users');
    is(scalar @{ $srv->json($res)->{users} }, @acknowledged + 1,
       "$durability: the store holds the old users and the new one");
    $srv->stop;

    SKIP: {
        skip 'mdb_stat (lmdb-utils) is not installed', 1 unless `which mdb_stat` =~ /\S/;
        my $out = `mdb_stat -a ${\ $srv->store } 2>&1`;
        is($?, 0, "$durability: mdb_stat reads every database of the store") or diag $out;
    }
}

done_testing();
