from django.contrib.auth import views as auth_views
from django.urls import include, path

from voronka.web import account_views, department_views, people_views, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="web/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("files/", include("voronka.files.urls")),
    path("profile/", account_views.profile, name="profile"),
    path("profile/password/", account_views.password_change, name="password_change"),
    path("people/", people_views.user_list, name="people"),
    path("people/new/", people_views.user_create, name="user_create"),
    path("people/<int:user_id>/", people_views.user_edit, name="user_edit"),
    path("people/<int:user_id>/block/", people_views.user_set_active, {"active": False}, name="user_block"),
    path("people/<int:user_id>/unblock/", people_views.user_set_active, {"active": True}, name="user_unblock"),
    path("people/<int:user_id>/password/", people_views.user_set_password, name="user_password"),
    path("departments/", department_views.department_list, name="departments"),
    path("departments/new/", department_views.department_create, name="department_create"),
    path("departments/<int:department_id>/", department_views.department_edit, name="department_edit"),
    path("departments/<int:department_id>/delete/", department_views.department_delete, name="department_delete"),
]
