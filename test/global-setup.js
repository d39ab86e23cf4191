// Jest global setup (plain JS): the unit tests run in a time zone far from UTC with an odd offset,
// so any date handling that depends on the server's TZ shows (a date-time without a zone read as
// local time, say). Set before the test processes start, so it holds in every worker.
module.exports = async () => {
	process.env.TZ = 'Pacific/Chatham';
};
